import CTurboJPEG

/// Encodes 8-bit grayscale images as baseline JPEG with TurboJPEG (the server's readiness
/// probe is made this way, so it goes through the same decoder as every upload).
public enum JPEGEncoder {
    /// The JPEG file of `image` at `quality` (1...100), without chroma (one component).
    public static func encodeGray(_ image: GrayImage, quality: Int = 90) throws -> [UInt8] {
        guard image.width > 0, image.height > 0 else { throw JPEGEncodeError.emptyImage }
        guard let handle = tjInitCompress() else {
            throw JPEGEncodeError.encoderFailure(detail: "tjInitCompress: \(String(cString: tjGetErrorStr2(nil)))")
        }
        defer { tjDestroy(handle) }
        var output: UnsafeMutablePointer<UInt8>? = nil
        var size: UInt = 0
        let status = image.pixels.withUnsafeBufferPointer { pixels in
            tjCompress2(
                handle, pixels.baseAddress, Int32(image.width), 0, Int32(image.height), Int32(TJPF_GRAY.rawValue),
                &output, &size, Int32(TJSAMP_GRAY.rawValue), Int32(min(max(quality, 1), 100)), 0)
        }
        defer { tjFree(output) }
        guard status == 0, let output else {
            throw JPEGEncodeError.encoderFailure(detail: "tjCompress2: \(String(cString: tjGetErrorStr2(handle)))")
        }
        return Array(UnsafeBufferPointer(start: output, count: Int(size)))
    }
}

/// Why an image could not be encoded.
public enum JPEGEncodeError: Error, Equatable, Sendable {
    /// The image has no pixels.
    case emptyImage
    /// TurboJPEG could not be set up or refused the image; `detail` is its message.
    case encoderFailure(detail: String)
}
