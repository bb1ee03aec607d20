import Foundation

/// An 8-bit grayscale picture with its caption, for an image grid.
public struct GridImage: Sendable {
    /// How the picture's frame is coloured, e.g. to mark right and wrong predictions.
    public enum Tone: String, Sendable {
        case neutral, correct, wrong
    }

    /// Width in pixels.
    public var width: Int
    /// Height in pixels.
    public var height: Int
    /// Pixels row by row, top row first; `width * height` bytes.
    public var pixels: [UInt8]
    /// First caption line, e.g. "pred PNEUMONIA 0.97".
    public var caption: String
    /// Optional second caption line, e.g. "true NORMAL" or a file name.
    public var detail: String?
    /// Frame colour.
    public var tone: Tone

    /// Creates a grid image.
    public init(width: Int, height: Int, pixels: [UInt8], caption: String, detail: String? = nil, tone: Tone = .neutral) {
        self.width = width
        self.height = height
        self.pixels = pixels
        self.caption = caption
        self.detail = detail
        self.tone = tone
    }

    /// The picture as a `data:` URL holding a PNG.
    public func dataURL() throws -> String {
        let png = try PNGEncoder.encode(width: width, height: height, pixels: pixels)
        return "data:image/png;base64," + png.base64EncodedString()
    }
}

/// Lays pictures out in a grid of captioned figures.
enum ImageGridHTML {
    static func render(_ images: [GridImage], columns: Int, displayWidth: Int) throws -> String {
        var html = "<div class=\"grid\" style=\"grid-template-columns: repeat(\(max(1, columns)), minmax(0, \(displayWidth)px))\">"
        for (index, image) in images.enumerated() {
            let url: String
            do {
                url = try image.dataURL()
            } catch let error as ReportError {
                throw ReportError(detail: "image \(index) ('\(image.caption)'): \(error.detail)")
            }
            html += "<figure class=\"tile \(image.tone.rawValue)\">"
            html += "<img src=\"\(url)\" width=\"\(image.width)\" height=\"\(image.height)\" alt=\"\(HTMLEscaping.escape(image.caption))\">"
            html += "<figcaption>\(HTMLEscaping.escape(image.caption))"
            if let detail = image.detail { html += "<br><span class=\"muted\">\(HTMLEscaping.escape(detail))</span>" }
            html += "</figcaption></figure>"
        }
        return html + "</div>"
    }
}
