/// Why bytes could not be decoded as a JPEG image.
public enum JPEGDecodeError: Error, Equatable, Sendable, Codable, CustomStringConvertible {
    /// No bytes at all.
    case empty
    /// The bytes do not start with a JPEG start-of-image marker; `prefix` shows the first bytes in hex.
    case notJPEG(prefix: String)
    /// The data ends before the image does; `detail` is the decoder's message.
    case truncated(detail: String)
    /// The header announces more pixels than the configured limit.
    case tooLarge(width: Int, height: Int, limit: Int)
    /// A JPEG whose header or entropy-coded data the decoder rejects.
    case corrupt(detail: String)
    /// TurboJPEG itself could not be set up (out of memory, broken installation).
    case decoderFailure(detail: String)
    /// The requested output side is not positive, or its square exceeds the pixel limit.
    case invalidTargetSize(side: Int, limit: Int)
    /// DICOM bytes that could not be rendered.
    case dicom(DICOMDecodeError)

    public var description: String {
        switch self {
        case .empty:
            return "empty file (0 bytes): nothing to decode; remove it or copy it again"
        case let .notJPEG(prefix):
            return "not a JPEG (starts with \(prefix), a JPEG starts with ff d8 ff): convert it to JPEG or remove it"
        case let .truncated(detail):
            return "truncated JPEG (\(detail)): the file ends early; copy it again or remove it"
        case let .tooLarge(width, height, limit):
            return "image too large: header says \(width)x\(height) = \(width * height) pixels, limit is \(limit); "
                + "the header is probably damaged, or raise the pixel limit"
        case let .corrupt(detail):
            return "corrupt JPEG (\(detail)): remove the file or re-encode it"
        case let .decoderFailure(detail):
            return "TurboJPEG failure: \(detail)"
        case let .invalidTargetSize(side, limit):
            return "cannot resize to \(side) x \(side): the side must be positive and its square at most \(limit) pixels"
        case let .dicom(error):
            return error.description
        }
    }
}
