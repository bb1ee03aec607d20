import Foundation
import PneumoData

/// How an image becomes the model's input: decoded to gray, resized to `side` x `side`, every
/// byte mapped to `byte * scale + offset`, and the gray plane repeated `channels` times (NCHW).
/// Written into every checkpoint; training, validation, evaluation, prediction, Grad-CAM and the
/// server all make their input tensors with it, so they cannot disagree.
public struct InputPreprocessing: Codable, Equatable, Sendable {
    /// The colour the image is decoded to.
    public enum Color: String, Codable, Sendable {
        /// One gray plane (CMYK files are converted on the host).
        case grayscale
    }

    /// How the decoded image is brought to `side` x `side`.
    public enum Resize: String, Codable, Sendable {
        /// TurboJPEG's scaled IDCT to the smallest size at least `side`, then area averaging;
        /// the aspect ratio is not kept (as in the Keras notebook).
        case dctArea = "dct-area"
    }

    /// The scale every checkpoint has used so far: bytes to [0, 1].
    public static let unitScale = 1.0 / 255.0

    /// Output width and height in pixels.
    public var side: Int
    /// Copies of the gray plane (1, or 3 for models built for RGB input).
    public var channels: Int
    public var color: Color
    public var resize: Resize
    /// Multiplies each byte; stored as a Double, used as the nearest Float.
    public var scale: Double
    /// Added after scaling.
    public var offset: Double

    /// A preprocessing; the defaults are those of every model trained so far.
    public init(side: Int, channels: Int, color: Color = .grayscale, resize: Resize = .dctArea,
                scale: Double = InputPreprocessing.unitScale, offset: Double = 0) {
        self.side = side
        self.channels = channels
        self.color = color
        self.resize = resize
        self.scale = scale
        self.offset = offset
    }

    /// The decoder's part: gray at `side` x `side` (also the decoded-image cache key).
    public var decoding: ImagePreprocessing { ImagePreprocessing(side: side) }

    /// The scale and offset as the device and the host apply them.
    public var floatScale: Float { Float(scale) }
    public var floatOffset: Float { Float(offset) }

    /// Values a model could not be fed with; empty when none.
    public func problems() -> [String] {
        var problems = [String]()
        if side < 1 { problems.append("input side \(side) is not positive") }
        if !(1...4).contains(channels) { problems.append("input channels \(channels) is not in 1...4") }
        if !(scale.isFinite && scale != 0) { problems.append("scale \(scale) is not a finite, non-zero number") }
        if !offset.isFinite { problems.append("offset \(offset) is not finite") }
        return problems
    }
}

extension InputPreprocessing: CustomStringConvertible {
    /// "224 px gray (dct-area), byte * 0.00392156862745098 + 0, 1 channel(s)".
    public var description: String {
        "\(side) px \(color == .grayscale ? "gray" : color.rawValue) (\(resize.rawValue)), byte * \(scale) + \(offset), \(channels) channel(s)"
    }
}

extension InputPreprocessing {
    /// The range bytes 0...255 land in, in words: "scaled to [0, 1]" for the default.
    public var scalingWords: String {
        let ends = [offset, 255 * scale + offset].sorted().map { String(format: "%.4g", $0) }
        return "scaled to [\(ends[0]), \(ends[1])]"
    }
}
