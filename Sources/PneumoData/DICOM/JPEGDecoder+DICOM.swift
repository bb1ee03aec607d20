/// The hooks by which the JPEG decoder, the one entry of every image into pneumo (predict,
/// explain, serve, training and evaluation, the decoded-image cache), also takes DICOM.
extension JPEGDecoder {
    /// The DICOM image's size in the decoder's header form (grayscale); failures are `.dicom`.
    func dicomHeader(_ bytes: UnsafeRawBufferPointer) throws -> JPEGHeader {
        let info = try Self.asDecodeError { try DICOMDecoder(maxPixels: maxPixels).info(bytes) }
        return JPEGHeader(width: info.width, height: info.height, colorspace: .gray)
    }

    /// Renders the DICOM image and resizes it to `width` x `height` into `output`, as a JPEG's
    /// decoded pixels are resized.
    func decodeDICOM(_ bytes: UnsafeRawBufferPointer, into output: UnsafeMutablePointer<UInt8>, width: Int, height: Int) throws {
        let image = try Self.asDecodeError { try DICOMDecoder(maxPixels: maxPixels).decode(bytes).image }
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
