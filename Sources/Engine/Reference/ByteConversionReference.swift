/// Plain-Swift version of `ByteConversion`: the oracle its kernel is tested against, and the
/// host form of the same arithmetic (one rounding, as the kernel's fma).
public enum ByteConversionReference {
    /// `count * channels * plane` floats: each plane of `bytes` repeated `channels` times,
    /// every value `offset + byte * scale` rounded once.
    public static func values(_ bytes: [UInt8], count: Int, channels: Int, plane: Int, scale: Float, offset: Float) -> [Float] {
        precondition(bytes.count == count * plane && channels > 0, "\(bytes.count) bytes are not \(count) planes of \(plane)")
        var values = [Float](repeating: 0, count: count * channels * plane)
        for image in 0..<count {
            for pixel in 0..<plane {
                let value = offset.addingProduct(Float(bytes[image * plane + pixel]), scale)
                for channel in 0..<channels { values[(image * channels + channel) * plane + pixel] = value }
            }
        }
        return values
    }
}
