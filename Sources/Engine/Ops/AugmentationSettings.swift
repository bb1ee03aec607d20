/// Strengths of the random augmentations; zero switches one off.
public struct AugmentationSettings: Equatable, Sendable, Codable {
    /// Largest rotation either way, in degrees.
    public var rotationDegrees: Float
    /// Largest shift either way, as a fraction of the image's width and height.
    public var shift: Float
    /// Largest zoom either way: the scale is drawn from [1 - zoom, 1 + zoom].
    public var zoom: Float
    /// Largest brightness change either way, in [0, 1] intensity units.
    public var brightness: Float
    /// Largest contrast change either way: the gain around mid-gray is drawn from [1 - c, 1 + c].
    public var contrast: Float
    /// Largest change of the width-to-height ratio: the ratio is scaled by a factor drawn
    /// log-uniformly from [1 / (1 + aspect), 1 + aspect]. Useful when images were resized to a
    /// square from shapes that differ by class: a model then cannot learn the squash instead
    /// of the content.
    public var aspect: Float
    /// Mirror half of the images left to right. Off by default: in many images left and right
    /// differ in meaning.
    public var horizontalFlip: Bool

    public init(rotationDegrees: Float = 0, shift: Float = 0, zoom: Float = 0, brightness: Float = 0,
                contrast: Float = 0, aspect: Float = 0, horizontalFlip: Bool = false) {
        self.rotationDegrees = rotationDegrees
        self.shift = shift
        self.zoom = zoom
        self.brightness = brightness
        self.contrast = contrast
        self.aspect = aspect
        self.horizontalFlip = horizontalFlip
    }

    private enum CodingKeys: String, CodingKey {
        case rotationDegrees, shift, zoom, brightness, contrast, aspect, horizontalFlip
    }

    /// Settings saved before `aspect` existed read as no aspect change.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(rotationDegrees: try c.decode(Float.self, forKey: .rotationDegrees), shift: try c.decode(Float.self, forKey: .shift),
                  zoom: try c.decode(Float.self, forKey: .zoom), brightness: try c.decode(Float.self, forKey: .brightness),
                  contrast: try c.decode(Float.self, forKey: .contrast),
                  aspect: try c.decodeIfPresent(Float.self, forKey: .aspect) ?? 0,
                  horizontalFlip: try c.decode(Bool.self, forKey: .horizontalFlip))
    }

    /// No augmentation at all.
    public static let none = AugmentationSettings()

    /// Every strength multiplied by `factor` (the flip switch is kept).
    public func scaled(by factor: Float) -> AugmentationSettings {
        AugmentationSettings(rotationDegrees: rotationDegrees * factor, shift: shift * factor, zoom: zoom * factor,
                             brightness: brightness * factor, contrast: contrast * factor, aspect: aspect * factor,
                             horizontalFlip: horizontalFlip)
    }

    /// True when every image comes out unchanged.
    public var isIdentity: Bool { self == AugmentationSettings(horizontalFlip: false) }

    /// Checks ranges: non-negative strengths, zoom and contrast below 1 (a scale or gain must stay positive).
    public func validated() throws -> AugmentationSettings {
        let values = [rotationDegrees, shift, zoom, brightness, contrast, aspect]
        guard values.allSatisfy({ $0.isFinite && $0 >= 0 }) else {
            throw EngineError.invalidConfiguration("augmentation strengths must be finite and >= 0, got \(self)")
        }
        guard zoom < 1, contrast < 1, shift <= 1, rotationDegrees <= 180, aspect <= 1 else {
            throw EngineError.invalidConfiguration(
                "augmentation out of range: zoom and contrast must be < 1, shift and aspect <= 1, rotation <= 180 degrees (got \(self))")
        }
        return self
    }
}
