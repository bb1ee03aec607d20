import PneumoData

/// Test-time augmentation: the network's output averaged over the image and a few shifted and
/// scaled copies of it, the changes training augmentation already taught the model to ignore.
/// No flips: the heart lies on one side, so a mirrored chest is not a chest the model should see.
///
/// The copies' logits are averaged (not their probabilities), so a model that scores this way
/// is still one logit per image: a temperature and thresholds fitted on those averaged logits
/// (`pneumo calibrate --tta`) apply to them exactly as to a single pass's.
public struct TestTimeAugmentation: Codable, Equatable, Sendable {
    /// One copy: a shift (as a share of the side, positive right and down) and a zoom about the centre.
    public struct Variant: Codable, Equatable, Sendable {
        public var shiftX: Double
        public var shiftY: Double
        public var scale: Double

        public init(shiftX: Double, shiftY: Double, scale: Double) {
            self.shiftX = shiftX
            self.shiftY = shiftY
            self.scale = scale
        }

        /// The image as it is.
        public static let identity = Variant(shiftX: 0, shiftY: 0, scale: 1)
    }

    /// The copies scored (the first is usually the image as it is).
    public var variants: [Variant]

    public init(variants: [Variant]) {
        self.variants = variants
    }

    /// The image, shifted 4% each way along each axis, and zoomed to 95% and 105%.
    public static let standard = TestTimeAugmentation(variants: [
        .identity,
        Variant(shiftX: 0.04, shiftY: 0, scale: 1), Variant(shiftX: -0.04, shiftY: 0, scale: 1),
        Variant(shiftX: 0, shiftY: 0.04, scale: 1), Variant(shiftX: 0, shiftY: -0.04, scale: 1),
        Variant(shiftX: 0, shiftY: 0, scale: 0.95), Variant(shiftX: 0, shiftY: 0, scale: 1.05),
    ])

    /// The largest shift (share of the side) and the zoom range a stored record may ask for:
    /// beyond them a copy is no longer the same chest framed a little differently.
    static let shiftLimit = 0.25
    static let scaleRange = 0.5...2.0
    static let variantLimit = 64

    /// Problems that make a stored augmentation unusable.
    func problems() -> [String] {
        var problems = [String]()
        if variants.isEmpty { problems.append("test-time augmentation lists no copies") }
        if variants.count > Self.variantLimit {
            problems.append("test-time augmentation lists \(variants.count) copies; at most \(Self.variantLimit) are read")
        }
        for variant in variants {
            let shifts = [variant.shiftX, variant.shiftY]
            if !shifts.allSatisfy({ $0.isFinite && abs($0) <= Self.shiftLimit }) {
                problems.append("test-time augmentation shift (\(variant.shiftX), \(variant.shiftY)) is outside ±\(Self.shiftLimit) of the side")
            }
            if !(variant.scale.isFinite && Self.scaleRange.contains(variant.scale)) {
                problems.append("test-time augmentation zoom \(variant.scale) is outside \(Self.scaleRange.lowerBound)...\(Self.scaleRange.upperBound)")
            }
        }
        return problems
    }

    /// In words, for reports and logs.
    public var summary: String {
        "the mean logit over the image and \(variants.count - 1) shifted or zoomed copies (test-time augmentation)"
    }

    /// `images` (in the form a model takes them) with every image moved by `variant`: bilinear
    /// sampling, edges repeated, as the training augmentation fills its borders; gray bytes are
    /// rounded back to bytes, prepared values resampled channel by channel.
    static func apply(_ variant: Variant, to images: ModelImages, count: Int, _ preprocessing: InputPreprocessing) -> ModelImages {
        if variant == .identity { return images }
        let resampler = PlaneResampler(side: preprocessing.side, shiftX: variant.shiftX, shiftY: variant.shiftY, scale: variant.scale)
        switch images {
        case let .pixels(bytes):
            return .pixels(resampler.resample(bytes, planes: count))
        case let .values(values):
            return .values(resampler.resample(values, planes: count * preprocessing.channels))
        }
    }

    /// The mean over the variants of `score` (one row of logits per image) on each moved copy.
    /// Every copy of every image goes to `score` in one call, so a single image's seven copies
    /// share one device batch rather than taking seven launches of batch 1.
    func meanLogits(
        _ images: ModelImages, count: Int, _ preprocessing: InputPreprocessing,
        score: (_ copies: ModelImages, _ count: Int) throws -> [Float]
    ) throws -> [Float] {
        let copies = ModelImages.concatenated(variants.map { Self.apply($0, to: images, count: count, preprocessing) })
        let logits: [Float]
        do {
            logits = try score(copies, count * variants.count)
        } catch let error as NonFiniteOutputError {
            // Copies are variant after variant: name the image, not the copy.
            throw NonFiniteOutputError(value: error.value, imageIndex: error.imageIndex % max(1, count), file: error.file)
        }
        let perCopy = logits.count / variants.count
        var sums = [Double](repeating: 0, count: perCopy)
        for copy in variants.indices {
            for index in 0..<perCopy { sums[index] += Double(logits[copy * perCopy + index]) }
        }
        return sums.map { Float($0 / Double(variants.count)) }
    }
}
