import Foundation

extension JPEGDecoder {
    /// Decodes `data` to `side` x `side` and measures the result for `ImageQualityGate`, in one decode.
    public func decodeMeasured(_ data: Data, side: Int) throws -> (image: GrayImage, measures: ImageQualityMeasures) {
        if data.isEmpty { throw JPEGDecodeError.empty }
        return try data.withUnsafeBytes { try decodeMeasured($0, side: side) }
    }

    /// Decodes and measures the JPEG file at `url`; failures are `ImageLoadError`s naming the file.
    public func decodeMeasured(file url: URL, side: Int) throws -> (image: GrayImage, measures: ImageQualityMeasures) {
        do {
            return try FileBytesReader().withContents(of: url) { try decodeMeasured($0, side: side) }
        } catch let error as JPEGDecodeError {
            throw ImageLoadError(file: url, reason: .decode(error))
        }
    }

    private func decodeMeasured(_ bytes: UnsafeRawBufferPointer, side: Int) throws -> (image: GrayImage, measures: ImageQualityMeasures) {
        if bytes.isEmpty { throw JPEGDecodeError.empty }
        var pixels = [UInt8](repeating: 0, count: side * side)
        let measures = try pixels.withUnsafeMutableBufferPointer { output in
            let header = try decode(bytes, side: side, into: output.baseAddress!)
            var measures = ImageQualityMeasures(
                header: header, fileBytes: bytes.count, decoderWarning: lastWarning,
                pixels: UnsafeBufferPointer(output), side: side)
            measures.isDICOM = DICOMFormat.matches(bytes)
            return measures
        }
        return (GrayImage(width: side, height: side, pixels: pixels), measures)
    }
}
