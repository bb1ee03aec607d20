/// What a DICOM file's image is, as reports and checks need it; it carries no dataset text
/// beyond these attributes, so no patient identifier.
public struct DICOMImageInfo: Equatable, Sendable, Codable {
    public var width: Int
    public var height: Int
    /// Frames in the file; the first one is read.
    public var frames: Int
    public var bitsAllocated: Int
    public var bitsStored: Int
    public var isSigned: Bool
    /// MONOCHROME1 (white is low) or MONOCHROME2.
    public var photometric: String
    /// The transfer syntax UID.
    public var transferSyntaxUID: String

    /// The transfer syntax in words ("JPEG 2000", "implicit VR little endian", ...), or its UID.
    public var transferSyntaxName: String { Self.syntaxNames[transferSyntaxUID] ?? transferSyntaxUID }

    /// Creates a description from known values.
    public init(width: Int, height: Int, frames: Int, bitsAllocated: Int, bitsStored: Int, isSigned: Bool,
                photometric: String, transferSyntaxUID: String) {
        self.width = width
        self.height = height
        self.frames = frames
        self.bitsAllocated = bitsAllocated
        self.bitsStored = bitsStored
        self.isSigned = isSigned
        self.photometric = photometric
        self.transferSyntaxUID = transferSyntaxUID
    }

    private static let syntaxNames = [
        "1.2.840.10008.1.2": "implicit VR little endian",
        "1.2.840.10008.1.2.1": "explicit VR little endian",
        "1.2.840.10008.1.2.1.99": "deflated explicit VR little endian",
        "1.2.840.10008.1.2.2": "explicit VR big endian",
        "1.2.840.10008.1.2.4.50": "JPEG baseline",
        "1.2.840.10008.1.2.4.51": "JPEG extended",
        "1.2.840.10008.1.2.4.57": "JPEG lossless",
        "1.2.840.10008.1.2.4.70": "JPEG lossless SV1",
        "1.2.840.10008.1.2.4.80": "JPEG-LS lossless",
        "1.2.840.10008.1.2.4.81": "JPEG-LS near-lossless",
        "1.2.840.10008.1.2.4.90": "JPEG 2000 lossless",
        "1.2.840.10008.1.2.4.91": "JPEG 2000",
        "1.2.840.10008.1.2.5": "RLE lossless",
    ]
}
