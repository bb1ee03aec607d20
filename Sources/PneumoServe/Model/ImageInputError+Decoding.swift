import PneumoData

extension ImageInputError {
    /// The client-facing form of a decoder failure; nil for failures that are the server's
    /// (TurboJPEG not set up, an impossible target size), which fail the batch instead.
    init?(decoding error: JPEGDecodeError) {
        switch error {
        case .empty: self = .empty
        case .notJPEG(let prefix):
            self = .notJPEG(detail: "the data starts with \(prefix.uppercased()), not with the JPEG start-of-image marker (FF D8 FF)")
        case .truncated(let detail): self = .truncated(detail: "the decoder reached the end of the data early (\(detail))")
        case .tooLarge(let width, let height, let limit): self = .tooManyPixels(width: width, height: height, limit: limit)
        case .corrupt(let detail) where Self.isUnsupportedKind(detail):
            // libjpeg's words for valid JPEGs it was not built to decode (12-bit, lossless, hierarchical).
            self = .unsupportedFormat("the decoder does not support this kind of JPEG (\(detail)); export the image as an 8-bit baseline JPEG")
        case .corrupt(let detail): self = .notJPEG(detail: "the decoder rejected the image data (\(detail))")
        case .dicom(.badDimensions(let width, let height, let limit)) where width > 0 && height > 0:
            self = .tooManyPixels(width: width, height: height, limit: limit)
        case .dicom(let error): self = .dicom(error)
        case .decoderFailure, .invalidTargetSize: return nil
        }
    }

    private static func isUnsupportedKind(_ detail: String) -> Bool {
        detail.hasPrefix("Unsupported JPEG data precision") || detail.hasPrefix("Unsupported JPEG process")
    }
}
