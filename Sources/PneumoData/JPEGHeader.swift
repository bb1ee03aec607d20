/// What a JPEG's header says, read without decoding the image.
public struct JPEGHeader: Equatable, Sendable {
    /// The colour model of the coded data.
    public enum Colorspace: String, Sendable, Codable {
        case gray, ycbcr, rgb, cmyk, ycck
    }

    public let width: Int
    public let height: Int
    public let colorspace: Colorspace

    public init(width: Int, height: Int, colorspace: Colorspace) {
        self.width = width
        self.height = height
        self.colorspace = colorspace
    }

    /// CMYK and YCCK data can only be decoded to CMYK; grayscale is derived on the host.
    var needsCMYKDecode: Bool { colorspace == .cmyk || colorspace == .ycck }
}
