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
    /// Largest gamma change: each image's intensities x in [0, 1] become x^g, with g drawn
    /// log-uniformly from [1 / (1 + gamma), 1 + gamma]; 0 is off.
    public var gamma: Float
    /// Probability that an image gets one rectangle erased (filled with noise); 0 is off.
    public var eraseProbability: Float
    /// Largest erased area as a fraction of the image; the area is drawn from
    /// [`minimumEraseArea`, eraseArea].
    public var eraseArea: Float
    /// Largest local-contrast change: each image gets an unsharp mask
    /// `x + a * (x - boxBlur(x))` with `a` drawn from [-localContrast, localContrast] (see
    /// Kernels/local_contrast.cl); 0 is off.
    public var localContrast: Float

    /// Smallest erased area as a fraction of the image (Zhong et al. 2017's lower bound).
    public static let minimumEraseArea: Float = 0.02
    /// The range of an erased rectangle's height-to-width ratio, drawn log-uniformly (Zhong et al. 2017).
    public static let eraseAspectRange: ClosedRange<Float> = 0.3...3.3

    public init(rotationDegrees: Float = 0, shift: Float = 0, zoom: Float = 0, brightness: Float = 0,
                contrast: Float = 0, aspect: Float = 0, horizontalFlip: Bool = false,
                gamma: Float = 0, eraseProbability: Float = 0, eraseArea: Float = 0.2, localContrast: Float = 0) {
        self.rotationDegrees = rotationDegrees
        self.shift = shift
        self.zoom = zoom
        self.brightness = brightness
        self.contrast = contrast
        self.aspect = aspect
        self.horizontalFlip = horizontalFlip
        self.gamma = gamma
        self.eraseProbability = eraseProbability
        self.eraseArea = eraseArea
        self.localContrast = localContrast
    }

    private enum CodingKeys: String, CodingKey {
        case rotationDegrees, shift, zoom, brightness, contrast, aspect, horizontalFlip, gamma, eraseProbability, eraseArea, localContrast
    }

    /// Settings saved before `aspect`, `gamma`, erasing or local contrast existed read with those switched off.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let off = AugmentationSettings.none
        self.init(rotationDegrees: try c.decode(Float.self, forKey: .rotationDegrees), shift: try c.decode(Float.self, forKey: .shift),
                  zoom: try c.decode(Float.self, forKey: .zoom), brightness: try c.decode(Float.self, forKey: .brightness),
                  contrast: try c.decode(Float.self, forKey: .contrast),
                  aspect: try c.decodeIfPresent(Float.self, forKey: .aspect) ?? off.aspect,
                  horizontalFlip: try c.decode(Bool.self, forKey: .horizontalFlip),
                  gamma: try c.decodeIfPresent(Float.self, forKey: .gamma) ?? off.gamma,
                  eraseProbability: try c.decodeIfPresent(Float.self, forKey: .eraseProbability) ?? off.eraseProbability,
                  eraseArea: try c.decodeIfPresent(Float.self, forKey: .eraseArea) ?? off.eraseArea,
                  localContrast: try c.decodeIfPresent(Float.self, forKey: .localContrast) ?? off.localContrast)
    }

    /// No augmentation at all.
    public static let none = AugmentationSettings()

    /// Every strength multiplied by `factor`; the erase probability is capped at 1, and the flip
    /// switch and the largest erased area (a shape, not a strength) are kept. Local contrast is
    /// capped at 1, where the mask can reach the blur itself.
    public func scaled(by factor: Float) -> AugmentationSettings {
        AugmentationSettings(rotationDegrees: rotationDegrees * factor, shift: shift * factor, zoom: zoom * factor,
                             brightness: brightness * factor, contrast: contrast * factor, aspect: aspect * factor,
                             horizontalFlip: horizontalFlip, gamma: gamma * factor,
                             eraseProbability: min(1, eraseProbability * factor), eraseArea: eraseArea,
                             localContrast: min(1, localContrast * factor))
    }

    /// True when every image comes out unchanged (the largest erased area alone changes nothing).
    public var isIdentity: Bool {
        [rotationDegrees, shift, zoom, brightness, contrast, aspect, gamma, eraseProbability, localContrast].allSatisfy { $0 == 0 } && !horizontalFlip
    }

    /// Checks ranges: non-negative strengths, zoom and contrast below 1 (a scale or gain must
    /// stay positive), gamma and local contrast up to 1, the erase probability and area within their bounds.
    public func validated() throws -> AugmentationSettings {
        let values = [rotationDegrees, shift, zoom, brightness, contrast, aspect, gamma, eraseProbability, eraseArea, localContrast]
        guard values.allSatisfy({ $0.isFinite && $0 >= 0 }) else {
            throw EngineError.invalidConfiguration("augmentation strengths must be finite and >= 0, got \(self)")
        }
        guard zoom < 1, contrast < 1, shift <= 1, rotationDegrees <= 180, aspect <= 1 else {
            throw EngineError.invalidConfiguration(
                "augmentation out of range: zoom and contrast must be < 1, shift and aspect <= 1, rotation <= 180 degrees (got \(self))")
        }
        guard gamma <= 1 else {
            throw EngineError.invalidConfiguration(
                "gamma augmentation \(gamma) is out of range: give a value in [0, 1] (1 draws exponents from [0.5, 2]; 0 is off)")
        }
        guard eraseProbability <= 1 else {
            throw EngineError.invalidConfiguration(
                "erase probability \(eraseProbability) is out of range: give a probability in [0, 1] (0 is off)")
        }
        guard localContrast <= 1 else {
            throw EngineError.invalidConfiguration(
                "local contrast \(localContrast) is out of range: give a value in [0, 1] (1 ranges from the blurred image to twice its fine detail; 0 is off)")
        }
        guard eraseArea >= Self.minimumEraseArea, eraseArea <= 1 else {
            throw EngineError.invalidConfiguration(
                "largest erased area \(eraseArea) is out of range: give a fraction of the image in [\(Self.minimumEraseArea), 1]")
        }
        return self
    }
}
