import CTurboJPEG
import Foundation

/// Decodes JPEG bytes (and DICOM, see `JPEGDecoder+DICOM`) to 8-bit grayscale with TurboJPEG: the header is read first, the
/// decoder's IDCT scaling shrinks large images while decoding, and area averaging brings the
/// result to the requested size.
///
/// Not thread-safe: a TurboJPEG handle serves one thread. Make one decoder per thread.
public final class JPEGDecoder {
    /// Default limit on header width x height: 64 megapixels, far above any X-ray (about 9 MP)
    /// and low enough that a forged header cannot make us allocate gigabytes.
    public static let defaultMaxPixels = 64 * 1024 * 1024

    /// The largest width x height a header may announce before decoding is refused.
    public let maxPixels: Int
    /// The warning libjpeg-turbo gave while decoding the last image, nil when it decoded cleanly.
    /// A warning leaves an image, but one that may be partly filler (see `ImageQualityGate`).
    public private(set) var lastWarning: String?
    private var handle: tjhandle
    private var scratch: [UInt8] = []
    private let resampler = GrayResampler()

    /// A decoder that refuses headers announcing more than `maxPixels` pixels.
    public init(maxPixels: Int = JPEGDecoder.defaultMaxPixels) throws {
        guard let handle = tjInitDecompress() else {
            throw JPEGDecodeError.decoderFailure(detail: "tjInitDecompress: \(String(cString: tjGetErrorStr2(nil)))")
        }
        self.handle = handle
        self.maxPixels = maxPixels
    }

    deinit { tjDestroy(handle) }

    /// TurboJPEG 2.x can leave a handle mid-stream after a failed or tables-only read, and the
    /// next image then reads as garbage; a fresh handle after every failure avoids that.
    private func resetHandle() {
        guard let fresh = tjInitDecompress() else { return }
        tjDestroy(handle)
        handle = fresh
    }

    /// Reads the header only: size and colour model.
    public func header(_ bytes: UnsafeRawBufferPointer) throws -> JPEGHeader {
        if DICOMFormat.matches(bytes) { return try dicomHeader(bytes) }
        try checkSignature(bytes)
        var width: Int32 = 0, height: Int32 = 0, subsampling: Int32 = 0, colorspace: Int32 = 0
        let status = tjDecompressHeader3(
            handle, bytes.baseAddress!.assumingMemoryBound(to: UInt8.self), UInt(bytes.count),
            &width, &height, &subsampling, &colorspace)
        if status != 0 {
            let failure = classifyFailure(lastMessage(), bytes)
            resetHandle()
            throw failure
        }
        guard width > 0, height > 0 else {
            // A stream of tables only, or one cut before its frame header.
            resetHandle()
            if JPEGDecoder.lacksEndMarker(bytes) { throw JPEGDecodeError.truncated(detail: "the data ends inside the header") }
            throw JPEGDecodeError.corrupt(detail: "no frame header (header says \(width)x\(height))")
        }
        return JPEGHeader(width: Int(width), height: Int(height), colorspace: JPEGDecoder.colorspace(colorspace))
    }

    /// Decodes to a `side` x `side` image (aspect ratio not kept), or at full size when `side` is nil.
    public func decode(_ bytes: UnsafeRawBufferPointer, side: Int? = nil) throws -> GrayImage {
        if let side { try checkTarget(side) }
        let header = try header(bytes)
        let width = side ?? header.width, height = side ?? header.height
        try checkLimit(header)
        var pixels = [UInt8](repeating: 0, count: width * height)
        try pixels.withUnsafeMutableBufferPointer { output in
            try decode(bytes, header: header, into: output.baseAddress!, width: width, height: height)
        }
        return GrayImage(width: width, height: height, pixels: pixels)
    }

    /// Decodes bytes held in `Data` (an upload, a file read whole).
    public func decode(_ data: Data, side: Int? = nil) throws -> GrayImage {
        if data.isEmpty { throw JPEGDecodeError.empty }
        return try data.withUnsafeBytes { try decode($0, side: side) }
    }

    /// Decodes bytes held in an array.
    public func decode(_ bytes: [UInt8], side: Int? = nil) throws -> GrayImage {
        if bytes.isEmpty { throw JPEGDecodeError.empty }
        return try bytes.withUnsafeBytes { try decode($0, side: side) }
    }

    /// Decodes straight into caller-owned memory of `side * side` bytes (used by the batch loader);
    /// returns the header read on the way.
    @discardableResult
    public func decode(_ bytes: UnsafeRawBufferPointer, side: Int, into output: UnsafeMutablePointer<UInt8>) throws -> JPEGHeader {
        try checkTarget(side)
        let header = try header(bytes)
        try checkLimit(header)
        try decode(bytes, header: header, into: output, width: side, height: side)
        return header
    }

    private func decode(
        _ bytes: UnsafeRawBufferPointer, header: JPEGHeader, into output: UnsafeMutablePointer<UInt8>,
        width: Int, height: Int
    ) throws {
        if DICOMFormat.matches(bytes) {
            lastWarning = nil
            return try decodeDICOM(bytes, into: output, width: width, height: height)
        }
        let factor = DCTScaling.smallestFactor(width: header.width, height: header.height,
                                               atLeastWidth: width, atLeastHeight: height)
        let scaledWidth = factor.scaled(header.width), scaledHeight = factor.scaled(header.height)
        let channels = header.needsCMYKDecode ? 4 : 1
        let needed = scaledWidth * scaledHeight * channels
        if scratch.count < needed { scratch = [UInt8](repeating: 0, count: needed) }
        let format = header.needsCMYKDecode ? TJPF_CMYK : TJPF_GRAY
        lastWarning = nil
        try scratch.withUnsafeMutableBufferPointer { buffer in
            let target = buffer.baseAddress!
            let status = tjDecompress2(
                handle, bytes.baseAddress!.assumingMemoryBound(to: UInt8.self), UInt(bytes.count), target,
                Int32(scaledWidth), 0, Int32(scaledHeight), Int32(format.rawValue), TJFLAG_LIMITSCANS)
            if status != 0 { try acceptOrThrow(bytes) }
            if channels == 4 { CMYKConversion.toGray(target, pixelCount: scaledWidth * scaledHeight) }
            resampler.resize(target, width: scaledWidth, height: scaledHeight,
                             into: output, outputWidth: width, outputHeight: height)
        }
    }

    private func checkSignature(_ bytes: UnsafeRawBufferPointer) throws {
        if bytes.isEmpty { throw JPEGDecodeError.empty }
        let prefix = Array(bytes.prefix(3))
        if prefix != [0xFF, 0xD8, 0xFF] {
            let hex = Array(bytes.prefix(8)).map { String(format: "%02x", $0) }.joined(separator: " ")
            throw JPEGDecodeError.notJPEG(prefix: hex)
        }
    }

    private func checkTarget(_ side: Int) throws {
        if side <= 0 || side > 1 << 30 || side * side > maxPixels {
            throw JPEGDecodeError.invalidTargetSize(side: side, limit: maxPixels)
        }
    }

    private func checkLimit(_ header: JPEGHeader) throws {
        // Checked before any allocation: the header is the attacker-controlled part.
        if header.width * header.height > maxPixels {  // Both come from 32-bit fields: no overflow.
            throw JPEGDecodeError.tooLarge(width: header.width, height: header.height, limit: maxPixels)
        }
    }

    /// Warnings leave a usable image, except the one saying the data stopped early.
    private func acceptOrThrow(_ bytes: UnsafeRawBufferPointer) throws {
        let message = lastMessage()
        if tjGetErrorCode(handle) == Int32(TJERR_WARNING.rawValue), !JPEGDecoder.isTruncation(message) {
            lastWarning = message
            return
        }
        let failure = classifyFailure(message, bytes)
        resetHandle()
        throw failure
    }

    /// A failure in data that lacks its end-of-image marker is a cut-off file, whatever the
    /// decoder tripped over first.
    private func classifyFailure(_ message: String, _ bytes: UnsafeRawBufferPointer) -> JPEGDecodeError {
        JPEGDecoder.isTruncation(message) || JPEGDecoder.lacksEndMarker(bytes) ? .truncated(detail: message) : .corrupt(detail: message)
    }

    /// True when no end-of-image marker (ff d9) appears near the end. Markers cannot occur
    /// inside entropy-coded data (ff is stuffed there), and some writers add a few bytes after it.
    private static func lacksEndMarker(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let tail = bytes.suffix(64)
        return !zip(tail, tail.dropFirst()).contains { $0 == 0xFF && $1 == 0xD9 }
    }

    private static func isTruncation(_ message: String) -> Bool {
        // libjpeg's wording for data that ends before the image (JWRN_JPEG_EOF, JERR_NO_IMAGE
        // when the end comes before the frame header, JERR_INPUT_EOF).
        message.contains("Premature end") || message.contains("contains no image") || message.contains("Empty input")
    }

    private func lastMessage() -> String { String(cString: tjGetErrorStr2(handle)) }

    private static func colorspace(_ value: Int32) -> JPEGHeader.Colorspace {
        switch UInt32(bitPattern: value) {
        case TJCS_GRAY.rawValue: return .gray
        case TJCS_RGB.rawValue: return .rgb
        case TJCS_CMYK.rawValue: return .cmyk
        case TJCS_YCCK.rawValue: return .ycck
        default: return .ycbcr
        }
    }
}
