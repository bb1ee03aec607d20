import Foundation

/// A file that could not be turned into an image, and why.
public struct ImageLoadError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What went wrong with the file.
    public enum Reason: Equatable, Sendable, Codable {
        /// The file could not be read (missing, no permission, a directory, too big to be an image).
        case unreadable(String)
        /// The bytes were read but are not a usable JPEG or DICOM image.
        case decode(JPEGDecodeError)
    }

    public let file: URL
    public let reason: Reason

    public init(file: URL, reason: Reason) {
        self.file = file
        self.reason = reason
    }

    /// A short category for summaries: "unreadable", "empty", "not a JPEG", "truncated", ...
    public var category: String {
        switch reason {
        case .unreadable: return "unreadable"
        case let .decode(error):
            switch error {
            case .empty: return "empty"
            case .notJPEG: return "not a JPEG"
            case .truncated: return "truncated"
            case .tooLarge: return "too large"
            case .corrupt: return "corrupt"
            case .decoderFailure: return "decoder failure"
            case .invalidTargetSize: return "invalid size"
            case let .dicom(error): return error.category
            }
        }
    }

    public var description: String {
        switch reason {
        case let .unreadable(why): return "\(file.path): cannot read: \(why)"
        case let .decode(error): return "\(file.path): \(error)"
        }
    }
}
