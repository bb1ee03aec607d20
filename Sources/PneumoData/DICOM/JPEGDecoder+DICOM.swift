/// The hooks by which the JPEG decoder, the one entry of every image into pneumo (predict,
/// explain, serve, training and evaluation, the decoded-image cache), also takes DICOM.
extension JPEGDecoder {
    /// The DICOM image's size in the decoder's header form (grayscale); failures are `.dicom`.
    func dicomHeader(_ bytes: UnsafeRawBufferPointer) throws -> JPEGHeader {
        let info = try Self.asDecodeError { try DICOMDecoder(maxPixels: maxPixels).info(bytes) }
        return JPEGHeader(width: info.width, height: info.height, colorspace: .gray)
    }

    /// Renders the DICOM image and brings it to `width` x `height` into `output`. A square
    /// target smaller than the image takes the path a JPEG takes: the rendering is encoded as a
    /// grayscale JPEG at quality 100 and decoded with TurboJPEG's scaled inverse DCT, then area
    /// averaged. Models learn from JPEGs shrunk that way, and a plain area average of the same
    /// picture moved a trained model's probability by 0.06 (see README, DICOM).
    func decodeDICOM(_ bytes: UnsafeRawBufferPointer, into output: UnsafeMutablePointer<UInt8>, width: Int, height: Int) throws {
        let image = try Self.asDecodeError { try DICOMDecoder(maxPixels: maxPixels).decode(bytes).image }
        let factor = DCTScaling.smallestFactor(width: image.width, height: image.height, atLeastWidth: width, atLeastHeight: height)
        if width == height, factor.numerator != factor.denominator {
            let jpeg = try JPEGEncoder.encodeGray(image, quality: 100)
            try jpeg.withUnsafeBytes { _ = try decode($0, side: width, into: output) }
            return
        }
        image.pixels.withUnsafeBufferPointer { source in
            GrayResampler().resize(source.baseAddress!, width: image.width, height: image.height,
                                   into: output, outputWidth: width, outputHeight: height)
        }
    }

    private static func asDecodeError<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as DICOMDecodeError {
            throw JPEGDecodeError.dicom(error)
        }
    }
}
