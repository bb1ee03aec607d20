/// How one training batch is mixed: each image's partner, the share of its own label in its
/// target, and the pasted box for CutMix. Drawn on the host from a seeded generator; the
/// `Mixer` kernel applies it on the device.
///
/// One weight is drawn per image, not one per batch (Zhang et al.'s code draws one per batch):
/// Beta(0.2, 0.2) puts most of its mass near 0 and 1, so one weight per batch makes whole
/// batches almost unmixed or all mixed in turn; per image, every batch carries the same spread
/// of mixing, and the kernel reads a weight per image at no extra cost.
public struct MixingPlan: Equatable, Sendable {
    public enum Method: String, Sendable { case mixup, cutmix }

    /// A pasted rectangle [x0, x1) x [y0, y1); empty when x0 == x1 or y0 == y1.
    public struct Box: Equatable, Sendable {
        public let x0: Int, y0: Int, x1: Int, y1: Int
        public init(x0: Int, y0: Int, x1: Int, y1: Int) {
            (self.x0, self.y0, self.x1, self.y1) = (x0, y0, x1, y1)
        }
        public var area: Int { (x1 - x0) * (y1 - y0) }
    }

    /// Floats per image in `kernelParameters`: partner, weight of the own pixel, box x0 y0 x1 y1.
    public static let stride = 6

    public let method: Method
    /// The image each image is mixed with: a seeded permutation of the batch (an image may
    /// draw itself, and is then left as it is).
    public let partners: [Int]
    /// The share of each image's own label in its target, in [0, 1]: the mixing weight for
    /// mixup, the share of the image left uncovered by the box for CutMix.
    public let shares: [Float]
    /// CutMix's box per image, in pixels; nil for mixup.
    public let boxes: [Box]?

    public init(method: Method, partners: [Int], shares: [Float], boxes: [Box]?) {
        self.method = method
        self.partners = partners
        self.shares = shares
        self.boxes = boxes
    }

    /// The plan of one batch of `count` images of `width` x `height`, or nil when this batch is
    /// not mixed. Draws, in order: whether to mix, which method (only when both are on), the
    /// permutation, then per image its weight (and for CutMix the box's centre).
    public static func draw(count: Int, width: Int, height: Int, settings: MixingSettings,
                            generator: inout SeededGenerator) -> MixingPlan? {
        guard !settings.isOff, count > 0, width > 0, height > 0 else { return nil }
        guard Double(generator.nextUniform()) < settings.probability else { return nil }
        let method: Method
        if settings.mixup > 0, settings.cutmix > 0 {
            method = generator.nextUniform() < 0.5 ? .mixup : .cutmix
        } else {
            method = settings.mixup > 0 ? .mixup : .cutmix
        }
        var partners = Array(0..<count)
        generator.shuffle(&partners)
        let alpha = method == .mixup ? settings.mixup : settings.cutmix
        var shares: [Float] = [], boxes: [Box] = []
        for _ in 0..<count {
            let lambda = BetaSampler.symmetric(alpha: alpha, generator: &generator)
            switch method {
            case .mixup:
                shares.append(Float(lambda))
            case .cutmix:
                let box = cutBox(lambda: lambda, width: width, height: height, generator: &generator)
                boxes.append(box)
                shares.append(1 - Float(box.area) / Float(width * height))
            }
        }
        return MixingPlan(method: method, partners: partners, shares: shares, boxes: method == .cutmix ? boxes : nil)
    }

    /// Yun et al.'s box: sides sqrt(1 - lambda) of the image's, centred on a uniform pixel and
    /// cut to the image; the share is then set from the area actually pasted.
    public static func cutBox(lambda: Double, width: Int, height: Int, generator: inout SeededGenerator) -> Box {
        let side = max(0, 1 - lambda).squareRoot()
        let boxWidth = Int((Double(width) * side).rounded()), boxHeight = Int((Double(height) * side).rounded())
        let cx = generator.nextIndex(below: width), cy = generator.nextIndex(below: height)
        let left = cx - boxWidth / 2, top = cy - boxHeight / 2
        func clip(_ value: Int, _ limit: Int) -> Int { min(max(value, 0), limit) }
        return Box(x0: clip(left, width), y0: clip(top, height), x1: clip(left + boxWidth, width), y1: clip(top + boxHeight, height))
    }

    /// What the mix kernel reads, `stride` floats per image: partner, the weight of the own
    /// pixel outside the box (the share for mixup, 1 for CutMix), then the box (empty for mixup).
    public var kernelParameters: [Float] {
        partners.indices.flatMap { i -> [Float] in
            guard let box = boxes?[i] else { return [Float(partners[i]), shares[i], 0, 0, 0, 0] }
            return [Float(partners[i]), 1, Float(box.x0), Float(box.y0), Float(box.x1), Float(box.y1)]
        }
    }

    /// The two labels of each mixed target and the first one's share, for the loss.
    public func labels(_ labels: [Int]) throws -> MixedLabels {
        guard labels.count == partners.count else {
            throw EngineError.shapeMismatch("a mixing plan for \(partners.count) images got \(labels.count) labels")
        }
        return try MixedLabels(first: labels, second: partners.map { labels[$0] }, firstShare: shares)
    }
}
