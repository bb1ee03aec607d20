import CDICOM
import Foundation

/// Reads DICOM bytes with GDCM and renders the first frame to 8-bit grayscale (modality and
/// VOI transforms applied, MONOCHROME1 inverted), for the same resize and preprocessing as a
/// decoded JPEG. Each call opens its own GDCM reader, so one value may serve many threads.
public struct DICOMDecoder: Sendable {
    /// The largest rows x columns accepted before any pixel buffer is allocated.
    public let maxPixels: Int

    /// A decoder that refuses images above `maxPixels` pixels.
    public init(maxPixels: Int = JPEGDecoder.defaultMaxPixels) {
        self.maxPixels = maxPixels
    }

    /// What the image is, after the same checks as a decode (pixel data present, supported
    /// syntax and image kind, size within the limit).
    public func info(_ bytes: UnsafeRawBufferPointer) throws -> DICOMImageInfo {
        try withOpened(bytes) { _, info in info }
    }

    /// The first frame at full size, rendered to 8 bits.
    public func decode(_ bytes: UnsafeRawBufferPointer) throws -> (image: GrayImage, info: DICOMImageInfo) {
        try withOpened(bytes) { image, info in
            var pixels = [UInt8](repeating: 0, count: info.width * info.height)
            try pixels.withUnsafeMutableBufferPointer { output in
                var message = [CChar](repeating: 0, count: 512)
                let status = pneumo_dicom_render_gray8(image, output.baseAddress, output.count, &message, message.count)
                if status != PNEUMO_DICOM_OK { throw failure(status, message, info) }
            }
            return (GrayImage(width: info.width, height: info.height, pixels: pixels), info)
        }
    }

    /// Decodes `data` (an upload, a file read whole).
    public func decode(_ data: Data) throws -> (image: GrayImage, info: DICOMImageInfo) {
        try data.withUnsafeBytes { try decode($0) }
    }

    private func withOpened<T>(
        _ bytes: UnsafeRawBufferPointer, _ body: (OpaquePointer, DICOMImageInfo) throws -> T
    ) throws -> T {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { throw DICOMDecodeError.unreadable(detail: "no bytes") }
        var image: OpaquePointer?
        var raw = pneumo_dicom_info()
        var message = [CChar](repeating: 0, count: 512)
        let status = pneumo_dicom_open(
            base.assumingMemoryBound(to: UInt8.self), bytes.count, Int64(maxPixels), &image, &raw, &message, message.count)
        let info = Self.info(raw)
        guard status == PNEUMO_DICOM_OK, let image else { throw failure(status, message, info) }
        defer { pneumo_dicom_close(image) }
        return try body(image, info)
    }

    private func failure(_ status: pneumo_dicom_status, _ message: [CChar], _ info: DICOMImageInfo) -> DICOMDecodeError {
        let detail = String(cString: message)
        switch status {
        case PNEUMO_DICOM_NO_PIXEL_DATA: return .noPixelData
        case PNEUMO_DICOM_UNSUPPORTED_SYNTAX: return .unsupportedSyntax(detail: detail)
        case PNEUMO_DICOM_UNSUPPORTED_IMAGE: return .unsupportedImage(detail: detail)
        case PNEUMO_DICOM_BAD_DIMENSIONS: return .badDimensions(width: info.width, height: info.height, limit: maxPixels)
        case PNEUMO_DICOM_TRUNCATED: return .truncated(detail: detail)
        case PNEUMO_DICOM_DECODE_FAILED: return .decodeFailed(detail: detail)
        default: return .unreadable(detail: detail)
        }
    }

    private static func info(_ raw: pneumo_dicom_info) -> DICOMImageInfo {
        DICOMImageInfo(
            width: Int(raw.width), height: Int(raw.height), frames: Int(raw.frames),
            bitsAllocated: Int(raw.bits_allocated), bitsStored: Int(raw.bits_stored), isSigned: raw.is_signed != 0,
            photometric: text(raw.photometric), transferSyntaxUID: text(raw.transfer_syntax))
    }

    /// A fixed-size C character array as a string.
    private static func text<T>(_ tuple: T) -> String {
        withUnsafeBytes(of: tuple) { bytes in
            String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
        }
    }
}
