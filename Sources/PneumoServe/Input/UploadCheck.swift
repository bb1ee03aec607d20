import PneumoData

/// The checks an upload passes before it is queued for the model. DICOM data (by its bytes)
/// is read by GDCM through the same decoder, which checks its pixel data's length. The JPEG rule is
/// PneumoData's: its decoder's header reader (TurboJPEG, the one `pneumo predict` uses)
/// decides what is a JPEG, so the server accepts every JPEG the command line accepts
/// (grayscale, YCbCr, RGB, CMYK and YCCK; baseline and progressive). On top of it the server
/// names other image formats, refuses images above its pixel limit, and turns away files
/// cut off before their end-of-image marker without waiting for a batch.
///
/// This is also where an image quality gate belongs once PneumoData has one: after the
/// header and size checks, before the image is queued (see `PredictHandler`).
enum UploadCheck {
    /// The header of `bytes`, or the client error that refuses them.
    static func header(of bytes: [UInt8], maxPixels: Int) throws -> JPEGHeader {
        guard !bytes.isEmpty else { throw ImageInputError.empty }
        let isDICOM = DICOMFormat.matches(bytes)
        if !isDICOM, let format = OtherImageFormat.detect(bytes) {
            throw ImageInputError.unsupportedFormat("the body is a \(format) image; only JPEG and DICOM are accepted")
        }
        let header: JPEGHeader
        do {
            // A decoder is cheap to make (a TurboJPEG handle) and serves one thread: one per call.
            // It reads DICOM too, through GDCM, with the same pixel limit.
            header = try bytes.withUnsafeBytes { try JPEGDecoder(maxPixels: maxPixels).header($0) }
        } catch let error as JPEGDecodeError {
            // Only a broken TurboJPEG set-up has no client-side form; that one is the server's (500).
            guard let inputError = ImageInputError(decoding: error) else { throw error }
            throw inputError
        }
        guard header.width * header.height <= maxPixels else {
            throw ImageInputError.tooManyPixels(width: header.width, height: header.height, limit: maxPixels)
        }
        guard isDICOM || hasEndOfImage(bytes) else {
            throw ImageInputError.truncated(
                detail: "no end-of-image marker (FF D9); the file was probably cut off during copy or upload")
        }
        return header
    }

    /// Whether an end-of-image marker (FF D9) follows the start-of-image marker anywhere. The
    /// decoder refuses data that ends without one ("premature end"), so this refuses nothing
    /// the decoder would take; it can pass a few files the decoder then refuses (an FF D9
    /// inside an embedded thumbnail), which get their 400 from the model's decoder instead.
    static func hasEndOfImage(_ bytes: [UInt8]) -> Bool {
        bytes.firstRange(of: [0xFF, 0xD9], from: 2) != nil
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
        if starts(with: [0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50, 0x20, 0x20]) || starts(with: [0xFF, 0x4F, 0xFF, 0x51]) {
            return "JPEG 2000"
        }
        return nil
    }
}
