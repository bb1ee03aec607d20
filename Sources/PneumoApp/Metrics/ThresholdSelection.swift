import Foundation

/// How the decision threshold is chosen (always on validation data, never on the test split).
public enum ThresholdStrategy: Equatable, Sendable, CustomStringConvertible {
    /// A given threshold, e.g. 0.5.
    case fixed(Double)
    /// The threshold maximising Youden's J = sensitivity + specificity - 1.
    case youden
    /// The highest threshold whose sensitivity reaches the target, e.g. 0.95.
    case targetSensitivity(Double)

    /// Parses "0.5" or "fixed:0.5", "youden", "sensitivity:0.95".
    public init(parsing text: String) throws {
        let lowered = text.trimmingCharacters(in: .whitespaces).lowercased()
        let parts = lowered.split(separator: ":", maxSplits: 1).map(String.init)
        func number(_ part: String) throws -> Double {
            guard let value = Double(part), value.isFinite else {
                throw MetricsError.invalidOption("threshold strategy '\(text)': '\(part)' is not a number")
            }
            return value
        }
        switch (parts.first ?? "", parts.count) {
        case ("youden", 1):
            self = .youden
        case ("fixed", 2):
            self = .fixed(try number(parts[1]))
        case ("sensitivity", 2):
            self = .targetSensitivity(try number(parts[1]))
        case (_, 1) where Double(lowered) != nil:
            self = .fixed(try number(lowered))
        default:
            throw MetricsError.invalidOption(
                "unknown threshold strategy '\(text)'; use a number such as 0.5, 'youden', or 'sensitivity:0.95'")
        }
        try validate()
    }

    /// The text form that `init(parsing:)` reads back.
    public var description: String {
        switch self {
        case let .fixed(value): return "fixed:\(value)"
        case .youden: return "youden"
        case let .targetSensitivity(value): return "sensitivity:\(value)"
        }
    }

    func validate() throws {
        switch self {
        case let .fixed(value):
            guard (0...1).contains(value) else {
                throw MetricsError.invalidOption("fixed threshold \(value) is not a probability; give a number in [0, 1]")
            }
        case .youden:
            break
        case let .targetSensitivity(value):
            guard value > 0, value <= 1 else {
                throw MetricsError.invalidOption("target sensitivity must lie in (0, 1], got \(value)")
            }
        }
    }
}

extension ThresholdStrategy: Codable {
    private enum CodingKeys: String, CodingKey { case method, value }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let method = try container.decode(String.self, forKey: .method)
        switch method {
        case "fixed": self = .fixed(try container.decode(Double.self, forKey: .value))
        case "youden": self = .youden
        case "sensitivity": self = .targetSensitivity(try container.decode(Double.self, forKey: .value))
        default:
            throw DecodingError.dataCorruptedError(
                forKey: .method, in: container,
                debugDescription: "unknown threshold method '\(method)'; expected fixed, youden or sensitivity")
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case let .fixed(value):
            try container.encode("fixed", forKey: .method)
            try container.encode(value, forKey: .value)
        case .youden:
            try container.encode("youden", forKey: .method)
        case let .targetSensitivity(value):
            try container.encode("sensitivity", forKey: .method)
            try container.encode(value, forKey: .value)
        }
    }
}

/// A chosen decision threshold and how it performed on the data it was chosen on.
public struct ThresholdChoice: Codable, Equatable, Sendable {
    /// The rule that produced the threshold.
    public var strategy: ThresholdStrategy
    /// Probabilities at or above this are called positive.
    public var threshold: Double
    /// Sensitivity at the threshold on the data it was chosen on.
    public var sensitivity: Double
    /// Specificity at the threshold on the data it was chosen on.
    public var specificity: Double
    /// Which data it was chosen on, e.g. "validation".
    public var chosenOn: String

    /// Creates a choice.
    public init(strategy: ThresholdStrategy, threshold: Double, sensitivity: Double, specificity: Double, chosenOn: String) {
        self.strategy = strategy
        self.threshold = threshold
        self.sensitivity = sensitivity
        self.specificity = specificity
        self.chosenOn = chosenOn
    }

    /// Chooses a threshold by `strategy` from labels (1 positive) and positive-class probabilities.
    ///
    /// Candidate thresholds are the distinct probabilities themselves; among equally good ones
    /// the highest wins, so the choice does not depend on the order of the samples.
    public static func choose<Probability: BinaryFloatingPoint>(
        _ strategy: ThresholdStrategy, labels: [Int], probabilities: [Probability], chosenOn: String = "validation"
    ) throws -> ThresholdChoice {
        try strategy.validate()
        let scores = try MetricsInput.binary(labels: labels, scores: probabilities, probabilities: true, what: "a decision threshold")
        let ranking = ScoreRanking(labels: labels, scores: scores)
        let tally = ranking.tally()

        func choice(_ threshold: Double) -> ThresholdChoice {
            let confusion = tally.confusion(groupsPredictedPositive: ranking.groupsAtOrAbove(threshold))
            return ThresholdChoice(
                strategy: strategy, threshold: threshold, sensitivity: confusion.recall,
                specificity: confusion.specificity, chosenOn: chosenOn)
        }

        switch strategy {
        case let .fixed(threshold):
            return choice(threshold)
        case .youden:
            guard tally.totalPositives > 0, tally.totalNegatives > 0 else {
                throw MetricsError.missingClass("Youden's J needs both classes in the \(chosenOn) data; it has only one")
            }
            // J times P x N, in integers, so equal J values compare equal and ties go to the
            // higher threshold as documented (floating point would break ties by rounding).
            var best = Int.min, bestThreshold = tally.scores[0]
            var truePositives = 0, falsePositives = 0
            for group in tally.scores.indices {
                truePositives += tally.positives[group]
                falsePositives += tally.negatives[group]
                let j = truePositives * tally.totalNegatives - falsePositives * tally.totalPositives
                if j > best {
                    best = j
                    bestThreshold = tally.scores[group]
                }
            }
            return choice(bestThreshold)
        case let .targetSensitivity(target):
            guard tally.totalPositives > 0 else {
                throw MetricsError.missingClass("a target sensitivity needs positive samples in the \(chosenOn) data; it has none")
            }
            var truePositives = 0
            for group in tally.scores.indices {
                truePositives += tally.positives[group]
                // Compare counts, not rates, so a target like 0.95 of 20 positives is met exactly at 19.
                if Double(truePositives) >= target * Double(tally.totalPositives) - 1e-9 {
                    return choice(tally.scores[group])
                }
            }
            return choice(tally.scores[tally.scores.count - 1])
        }
    }
}
