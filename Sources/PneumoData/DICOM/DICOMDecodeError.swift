/// Why DICOM bytes could not be turned into an image. Messages never quote dataset values.
public enum DICOMDecodeError: Error, Equatable, Sendable, Codable, CustomStringConvertible {
    /// GDCM could not parse the dataset: cut off, damaged, or not DICOM after all.
    case unreadable(detail: String)
    /// A dataset without pixel data (a report, a header only).
    case noPixelData
    /// A transfer syntax without a decoder here.
    case unsupportedSyntax(detail: String)
    /// Colour, palette, or a bit depth other than 8-16.
    case unsupportedImage(detail: String)
    /// Zero rows or columns, or more pixels than the limit.
    case badDimensions(width: Int, height: Int, limit: Int)
    /// The pixel data is shorter than the image it announces.
    case truncated(detail: String)
    /// The codec failed on the pixel data.
    case decodeFailed(detail: String)

    public var description: String {
        switch self {
        case let .unreadable(detail):
            return "unreadable DICOM (\(detail)); copy the file again or export it from the archive again"
        case .noPixelData:
            return "DICOM without pixel data (no Pixel Data element): it holds no image; send the image object of the study"
        case let .unsupportedSyntax(detail):
            return "unsupported DICOM transfer syntax: \(detail); convert it, e.g. to explicit little endian with gdcmconv --raw"
        case let .unsupportedImage(detail):
            return "unsupported DICOM image: \(detail)"
        case let .badDimensions(width, height, limit):
            return width <= 0 || height <= 0
                ? "DICOM image with impossible dimensions \(width)x\(height): the header is damaged"
                : "DICOM image too large: \(width)x\(height) = \(width * height) pixels, limit is \(limit); the header is probably damaged, or raise the pixel limit"
        case let .truncated(detail):
            return "truncated DICOM (\(detail)); copy the file again"
        case let .decodeFailed(detail):
            return "DICOM pixel data could not be decoded (\(detail)); copy the file again or export it uncompressed"
        }
    }

    /// A short category for summaries.
    public var category: String {
        switch self {
        case .unreadable: return "unreadable DICOM"
        case .noPixelData: return "DICOM without pixels"
        case .unsupportedSyntax: return "unsupported DICOM syntax"
        case .unsupportedImage: return "unsupported DICOM image"
        case .badDimensions: return "bad DICOM dimensions"
        case .truncated: return "truncated DICOM"
        case .decodeFailed: return "undecodable DICOM"
        }
    }
}
