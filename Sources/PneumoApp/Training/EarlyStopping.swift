/// Watches one validation metric; says when it improved (keep this checkpoint) and when to stop.
public struct EarlyStopping: Codable, Equatable, Sendable {
    public let metric: ValidationMetric
    /// Epochs without improvement before stopping; nil never stops early.
    public let patience: Int?
    public private(set) var best: Double?
    public private(set) var bestEpoch: Int?
    private var sinceBest = 0

    public init(metric: ValidationMetric, patience: Int?) {
        self.metric = metric
        self.patience = patience
    }

    /// Records an epoch's value; returns true when it is the best so far.
    public mutating func record(_ value: Double, epoch: Int) -> Bool {
        let improved = value.isFinite && (best.map { metric.lowerIsBetter ? value < $0 : value > $0 } ?? true)
        if improved {
            best = value
            bestEpoch = epoch
            sinceBest = 0
        } else {
            sinceBest += 1
        }
        return improved
    }

    public var shouldStop: Bool { patience.map { sinceBest >= $0 } ?? false }
}

/// The validation figures training can select on.
public enum ValidationMetric: String, Codable, CaseIterable, Sendable {
    case loss, accuracy, auc, recall, f1

    public var lowerIsBetter: Bool { self == .loss }
}
