import PneumoData

/// The central rectangle of a chest X-ray where the lungs lie, and two ways of hiding part of
/// an image with its own mean grey: the region (lungs masked) or everything else (lungs only).
public struct LungRegion: Codable, Equatable, Sendable {
    /// Share of the width and of the height the centred rectangle covers.
    public var widthFraction: Double
    public var heightFraction: Double

    /// The middle 60% of the width and 70% of the height: both lungs in a centred AP film,
    /// with little of the shoulders, labels and borders.
    public static let standard = LungRegion(widthFraction: 0.6, heightFraction: 0.7)

    /// Creates a region.
    public init(widthFraction: Double, heightFraction: Double) {
        self.widthFraction = widthFraction
        self.heightFraction = heightFraction
    }

    /// Which part of the image is filled.
    public enum Fill: String, Codable, Sendable {
        /// The region is filled: the model sees everything but the lungs.
        case region
        /// Everything outside the region is filled: the model sees only the lungs.
        case outside
    }

    /// The rectangle's columns and rows in a `side` x `side` image, centred.
    public func rectangle(side: Int) -> (columns: Range<Int>, rows: Range<Int>) {
        func span(_ fraction: Double) -> Range<Int> {
            let length = Int((Double(side) * fraction).rounded())
            let start = (side - length) / 2
            return start..<(start + length)
        }
        return (span(widthFraction), span(heightFraction))
    }

    /// `images` with `fill` replaced by each image's mean grey (the mean of the whole image,
    /// so the filled part neither brightens nor darkens it overall).
    public func masking(_ images: DecodedImageSet, fill: Fill) -> DecodedImageSet {
        let side = images.side, plane = side * side
        let (columns, rows) = rectangle(side: side)
        var pixels = images.pixels
        for image in 0..<images.count {
            let start = image * plane
            let total = images.pixels[start..<(start + plane)].reduce(0) { $0 + Int($1) }
            let grey = UInt8((Double(total) / Double(max(1, plane))).rounded())
            for y in 0..<side {
                for x in 0..<side where (rows.contains(y) && columns.contains(x)) == (fill == .region) {
                    pixels[start + y * side + x] = grey
                }
            }
        }
        return DecodedImageSet(side: side, samples: images.samples, pixels: pixels)
    }
}
