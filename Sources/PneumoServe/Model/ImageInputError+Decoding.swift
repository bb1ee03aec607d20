import PneumoData

extension ImageInputError {
    /// The client-facing form of a decoder failure; nil for failures that are the server's
    /// (TurboJPEG not set up, an impossible target size), which fail the batch instead.
    init?(decoding error: JPEGDecodeError) {
        switch error {
        case .empty: self = .empty
        case .notJPEG(let prefix): self = .notJPEG(detail: "the data starts with \(prefix), not with a JPEG marker (ff d8 ff)")
        case .truncated(let detail): self = .truncated(detail: "the decoder reached the end of the data early (\(detail))")
        case .tooLarge(let width, let height, let limit): self = .tooManyPixels(width: width, height: height, limit: limit)
        case .corrupt(let detail): self = .notJPEG(detail: "the decoder rejected the image data (\(detail))")
        case .decoderFailure, .invalidTargetSize: return nil
        }
    }
}
