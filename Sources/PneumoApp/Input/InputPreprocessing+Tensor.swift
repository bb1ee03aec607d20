import Engine
import OpenCLKit

extension InputPreprocessing {
    /// The input tensor `[count, channels, side, side]` for `count` gray images of `side` x
    /// `side` bytes: the bytes are uploaded and scaled on the device.
    public func tensor(pixels: [UInt8], count: Int, context: ComputeContext) throws -> Tensor {
        try ByteConversion.tensor(
            context, bytes: pixels, count: count, channels: channels, height: side, width: side,
            scale: floatScale, offset: floatOffset)
    }

    /// The same values computed on the host, NCHW: the reference the device's are checked against.
    public func values(pixels: [UInt8], count: Int) throws -> [Float] {
        guard count >= 0, pixels.count == count * side * side else {
            throw EngineError.shapeMismatch("\(pixels.count) bytes are not \(count) images of \(side) x \(side)")
        }
        return ByteConversionReference.values(
            pixels, count: count, channels: channels, plane: side * side, scale: floatScale, offset: floatOffset)
    }
}
