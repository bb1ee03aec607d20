/// What a JPEG's frame header says, read without decoding any pixels.
public struct JPEGHeader: Sendable, Equatable {
    /// Image width in pixels.
    public var width: Int
    /// Image height in pixels.
    public var height: Int
    /// Colour components: 1 for grayscale, 3 for YCbCr.
    public var components: Int
    /// Whether the image is stored progressively (several scans).
    public var isProgressive: Bool

    /// Number of pixels once decoded.
    public var pixelCount: Int { width * height }

    /// Creates a header description.
    public init(width: Int, height: Int, components: Int, isProgressive: Bool) {
        self.width = width
        self.height = height
        self.components = components
        self.isProgressive = isProgressive
    }
}

extension JPEGHeader {
    /// Reads the frame header of `bytes` and checks that the file is a complete JPEG this
    /// server can decode: known format, 8-bit, 1 or 3 components, an end-of-image marker.
    ///
    /// Walks the marker segments only (a few hundred bytes for most files), then scans the
    /// entropy-coded data for the end-of-image marker, so the cost is one pass at most.
    public static func parse(_ bytes: [UInt8]) throws -> JPEGHeader {
        guard !bytes.isEmpty else { throw ImageInputError.empty }
        if let format = OtherImageFormat.detect(bytes) {
            throw ImageInputError.unsupportedFormat("the body is a \(format) image; only JPEG is accepted")
        }
        guard bytes.count >= 3, bytes[0] == 0xFF, bytes[1] == 0xD8, bytes[2] == 0xFF else {
            throw ImageInputError.notJPEG(detail: "the body does not start with the JPEG start-of-image marker (FF D8 FF)")
        }
        var reader = MarkerReader(bytes: bytes, position: 2)
        var header: JPEGHeader?
        while true {
            let marker = try reader.nextMarker()
            switch marker {
            case 0x01, 0xD0...0xD7:
                continue  // standalone markers carry no length
            case 0xD8:
                throw ImageInputError.notJPEG(detail: "a second start-of-image marker at byte \(reader.position - 2)")
            case 0xD9:
                throw ImageInputError.notJPEG(detail: "the end-of-image marker comes before any image data")
            default:
                let segment = try reader.segment(marker: marker)
                if marker == 0xDA {
                    guard let header else {
                        throw ImageInputError.notJPEG(detail: "image data starts before the frame header (SOF)")
                    }
                    guard reader.containsEndOfImage(from: segment.upperBound) else {
                        throw ImageInputError.truncated(
                            detail: "no end-of-image marker after the image data; the file was probably cut off during copy or upload")
                    }
                    return header
                }
                if let frame = try FrameKind(marker: marker) {
                    guard header == nil else {
                        throw ImageInputError.notJPEG(detail: "more than one frame header (SOF)")
                    }
                    header = try frame.readHeader(bytes[segment])
                }
            }
        }
    }
}

/// Image formats people upload by mistake, recognised by their signatures.
enum OtherImageFormat {
    static func detect(_ bytes: [UInt8]) -> String? {
        func starts(with prefix: [UInt8], at offset: Int = 0) -> Bool {
            bytes.count >= offset + prefix.count && Array(bytes[offset..<offset + prefix.count]) == prefix
        }
        if starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return "PNG" }
        if starts(with: Array("GIF8".utf8)) { return "GIF" }
        if starts(with: Array("RIFF".utf8)) && starts(with: Array("WEBP".utf8), at: 8) { return "WebP" }
        if starts(with: [0x49, 0x49, 0x2A, 0x00]) || starts(with: [0x4D, 0x4D, 0x00, 0x2A]) { return "TIFF" }
        if starts(with: Array("BM".utf8)) && bytes.count >= 26 { return "BMP" }
        if starts(with: Array("DICM".utf8), at: 128) { return "DICOM" }
        if starts(with: [0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50, 0x20, 0x20]) || starts(with: [0xFF, 0x4F, 0xFF, 0x51]) {
            return "JPEG 2000"
        }
        return nil
    }
}

/// The start-of-frame variants, of which libjpeg-turbo decodes the 8-bit DCT ones.
private enum FrameKind {
    case sequential, progressive

    /// Returns nil for markers that are not frame headers; throws for frames it cannot decode.
    init?(marker: UInt8) throws {
        switch marker {
        case 0xC0, 0xC1, 0xC9: self = .sequential
        case 0xC2, 0xCA: self = .progressive
        case 0xC3, 0xCB: throw ImageInputError.unsupportedFormat("lossless JPEG is not supported; export the image as a baseline JPEG")
        case 0xC5, 0xC6, 0xC7, 0xCD, 0xCE, 0xCF:
            throw ImageInputError.unsupportedFormat("hierarchical JPEG is not supported; export the image as a baseline JPEG")
        default: return nil
        }
    }

    func readHeader(_ segment: ArraySlice<UInt8>) throws -> JPEGHeader {
        let s = segment.startIndex
        guard segment.count >= 6 else {
            throw ImageInputError.notJPEG(detail: "the frame header (SOF) is \(segment.count) bytes long, too short to hold a size")
        }
        let precision = Int(segment[s])
        let height = Int(segment[s + 1]) << 8 | Int(segment[s + 2])
        let width = Int(segment[s + 3]) << 8 | Int(segment[s + 4])
        let components = Int(segment[s + 5])
        guard precision == 8 else {
            throw ImageInputError.unsupportedFormat("\(precision)-bit JPEG is not supported; export the image as an 8-bit JPEG")
        }
        guard width > 0, height > 0 else {
            throw ImageInputError.notJPEG(detail: "the frame header gives a size of \(width)x\(height) pixels")
        }
        guard components == 1 || components == 3 else {
            throw ImageInputError.unsupportedFormat(
                "JPEG with \(components) colour components (CMYK?) is not supported; export it as grayscale or RGB")
        }
        return JPEGHeader(width: width, height: height, components: components, isProgressive: self == .progressive)
    }
}

/// Steps through JPEG marker segments, reporting truncation precisely.
private struct MarkerReader {
    let bytes: [UInt8]
    var position: Int

    /// Reads the next marker code, skipping fill bytes (FF FF ...).
    mutating func nextMarker() throws -> UInt8 {
        guard position < bytes.count else {
            throw ImageInputError.truncated(detail: "the file ends at byte \(bytes.count), before the image data starts")
        }
        guard bytes[position] == 0xFF else {
            throw ImageInputError.notJPEG(detail: "expected a marker (FF) at byte \(position), found \(hex(bytes[position]))")
        }
        while position < bytes.count && bytes[position] == 0xFF { position += 1 }
        guard position < bytes.count else {
            throw ImageInputError.truncated(detail: "the file ends inside a marker at byte \(bytes.count)")
        }
        let marker = bytes[position]
        position += 1
        guard marker != 0x00 else {
            throw ImageInputError.notJPEG(detail: "invalid marker FF 00 at byte \(position - 2)")
        }
        return marker
    }

    /// Returns the byte range of the segment's payload and moves past it.
    mutating func segment(marker: UInt8) throws -> Range<Int> {
        guard position + 2 <= bytes.count else {
            throw ImageInputError.truncated(detail: "the file ends inside the length of segment \(hex(marker)) at byte \(position)")
        }
        let length = Int(bytes[position]) << 8 | Int(bytes[position + 1])
        guard length >= 2 else {
            throw ImageInputError.notJPEG(detail: "segment \(hex(marker)) at byte \(position) has an invalid length \(length)")
        }
        let end = position + length
        guard end <= bytes.count else {
            throw ImageInputError.truncated(
                detail: "segment \(hex(marker)) at byte \(position) needs \(length) bytes but the file ends at byte \(bytes.count)")
        }
        defer { position = end }
        return (position + 2)..<end
    }

    /// Whether an end-of-image marker (FF D9) follows `start`. Inside entropy-coded data an
    /// FF byte is always followed by 00 or a restart marker, so FF D9 cannot occur by chance.
    func containsEndOfImage(from start: Int) -> Bool {
        bytes.firstRange(of: [0xFF, 0xD9], from: start) != nil
    }
}

private func hex(_ byte: UInt8) -> String {
    let digits = String(byte, radix: 16, uppercase: true)
    return digits.count == 1 ? "0\(digits)" : digits
}
