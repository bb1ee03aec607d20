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
    /// Mirror half of the images left to right. Off by default: the heart is on the left.
    public var horizontalFlip: Bool

    public init(rotationDegrees: Float = 0, shift: Float = 0, zoom: Float = 0, brightness: Float = 0,
                contrast: Float = 0, horizontalFlip: Bool = false) {
        self.rotationDegrees = rotationDegrees
        self.shift = shift
        self.zoom = zoom
        self.brightness = brightness
        self.contrast = contrast
        self.horizontalFlip = horizontalFlip
    }

    /// No augmentation at all.
    public static let none = AugmentationSettings()
    /// Mild changes that keep an X-ray plausible: 10 degrees, 10% shift and zoom, 10% brightness and contrast.
    public static let standard = AugmentationSettings(rotationDegrees: 10, shift: 0.1, zoom: 0.1, brightness: 0.1, contrast: 0.1)

    /// Every strength multiplied by `factor` (the flip switch is kept).
    public func scaled(by factor: Float) -> AugmentationSettings {
        AugmentationSettings(rotationDegrees: rotationDegrees * factor, shift: shift * factor, zoom: zoom * factor,
                             brightness: brightness * factor, contrast: contrast * factor, horizontalFlip: horizontalFlip)
    }

    /// True when every image comes out unchanged.
    public var isIdentity: Bool { self == AugmentationSettings(horizontalFlip: false) }

    /// Checks ranges: non-negative strengths, zoom and contrast below 1 (a scale or gain must stay positive).
    public func validated() throws -> AugmentationSettings {
        let values = [rotationDegrees, shift, zoom, brightness, contrast]
        guard values.allSatisfy({ $0.isFinite && $0 >= 0 }) else {
            throw EngineError.invalidConfiguration("augmentation strengths must be finite and >= 0, got \(self)")
        }
        guard zoom < 1, contrast < 1, shift <= 1, rotationDegrees <= 180 else {
            throw EngineError.invalidConfiguration(
                "augmentation out of range: zoom and contrast must be < 1, shift <= 1, rotation <= 180 degrees (got \(self))")
        }
        return self
    }
}
