import Foundation

extension JPEGDecoder {
    /// The header of the JPEG file at `url`; failures are `ImageLoadError`s naming the file.
    public func header(ofFile url: URL) throws -> JPEGHeader {
        try withFile(url) { try header($0) }
    }

    /// Decodes the JPEG file at `url` to `side` x `side`, or full size when `side` is nil.
    public func decode(file url: URL, side: Int? = nil) throws -> GrayImage {
        try withFile(url) { try decode($0, side: side) }
    }

    private func withFile<T>(_ url: URL, _ body: (UnsafeRawBufferPointer) throws -> T) throws -> T {
        do {
            return try FileBytesReader().withContents(of: url, body)
        } catch let error as JPEGDecodeError {
            throw ImageLoadError(file: url, reason: .decode(error))
        }
    }
}
