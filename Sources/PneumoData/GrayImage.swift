/// An 8-bit grayscale image, rows top to bottom, no padding.
public struct GrayImage: Equatable, Sendable {
    public let width: Int
    public let height: Int
    public var pixels: [UInt8]

    /// Wraps `pixels`; their count must be `width * height`.
    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(width >= 0 && height >= 0 && pixels.count == width * height,
                     "GrayImage \(width)x\(height) needs \(width * height) pixels, got \(pixels.count)")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// The pixel at column `x`, row `y`.
    public subscript(x: Int, y: Int) -> UInt8 { pixels[y * width + x] }
}

extension GrayImage {
    /// This image resized to `width` x `height` (area averaging when shrinking, bilinear when enlarging).
    public func resized(width newWidth: Int, height newHeight: Int) -> GrayImage {
        precondition(newWidth > 0 && newHeight > 0 && width > 0 && height > 0, "resize needs non-empty sizes")
        var output = [UInt8](repeating: 0, count: newWidth * newHeight)
        pixels.withUnsafeBufferPointer { source in
            output.withUnsafeMutableBufferPointer { destination in
                GrayResampler().resize(source.baseAddress!, width: width, height: height,
                                       into: destination.baseAddress!, outputWidth: newWidth, outputHeight: newHeight)
            }
        }
        return GrayImage(width: newWidth, height: newHeight, pixels: output)
    }
}
