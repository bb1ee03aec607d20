/// Mixup and CutMix for training batches: how strongly, and on what share of the batches.
/// Both alphas zero is off.
public struct MixingSettings: Equatable, Sendable, Codable {
    /// Mixup's Beta(alpha, alpha) parameter (Zhang et al. 2018); 0 is off.
    public var mixup: Double
    /// CutMix's Beta(alpha, alpha) parameter (Yun et al. 2019); 0 is off.
    public var cutmix: Double
    /// Share of the batches that are mixed, in [0, 1]. With both methods on, a mixed batch
    /// takes one of them, each with odds 1/2.
    public var probability: Double

    /// The largest alpha accepted: beyond it Beta(alpha, alpha) is all but fixed at 1/2.
    public static let largestAlpha: Double = 10

    public init(mixup: Double = 0, cutmix: Double = 0, probability: Double = 1) {
        self.mixup = mixup
        self.cutmix = cutmix
        self.probability = probability
    }

    /// True when no batch is ever mixed.
    public var isOff: Bool { (mixup == 0 && cutmix == 0) || probability == 0 }

    /// Checks the alphas against [0, `largestAlpha`] and the probability against [0, 1].
    public func validated() throws -> MixingSettings {
        for (name, alpha, usual) in [("--mixup", mixup, "0.2 to 0.4"), ("--cutmix", cutmix, "1")] {
            guard alpha.isFinite, alpha >= 0, alpha <= Self.largestAlpha else {
                throw EngineError.invalidConfiguration(
                    "\(name) \(alpha) is out of range: give the Beta distribution's alpha in (0, \(Self.largestAlpha)] "
                        + "(\(usual) is usual; 0 is off)")
            }
        }
        guard probability.isFinite, probability >= 0, probability <= 1 else {
            throw EngineError.invalidConfiguration(
                "--mix-probability \(probability) is out of range: give the share of batches to mix, in [0, 1] (1 mixes every batch)")
        }
        return self
    }

    /// One line for logs, e.g. "mixup alpha 0.2 on 100% of batches".
    public var summary: String {
        if isOff { return "none" }
        var methods: [String] = []
        if mixup > 0 { methods.append("mixup alpha \(mixup)") }
        if cutmix > 0 { methods.append("cutmix alpha \(cutmix)") }
        let share = probability * 100
        let percent = share == share.rounded() ? "\(Int(share))" : "\(share)"
        return methods.joined(separator: " or ") + " on \(percent)% of batches"
    }
}
