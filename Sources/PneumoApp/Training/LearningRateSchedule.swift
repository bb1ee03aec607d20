import Foundation

/// How the learning rate changes over training.
public enum LearningRateSchedule: Codable, Equatable, Sendable {
    case constant
    /// Multiply by `factor` every `every` epochs.
    case step(every: Int, factor: Double)
    /// Linear warm-up over `warmupEpochs`, then a half cosine down to `minimumFactor` of the base rate.
    case cosine(warmupEpochs: Int, minimumFactor: Double)
    /// Multiply by `factor` when the monitored validation metric has not improved for `patience` epochs.
    case plateau(patience: Int, factor: Double, minimumFactor: Double)

    /// Parses the command line's `constant`, `step[:EVERY[:FACTOR]]`, `cosine[:WARMUP]`, `plateau[:PATIENCE[:FACTOR]]`.
    public init(parsing text: String) throws {
        let parts = text.split(separator: ":").map(String.init)
        func number(_ index: Int, _ fallback: Double) throws -> Double {
            guard index < parts.count else { return fallback }
            guard let value = Double(parts[index]), value >= 0 else {
                throw TrainingError.invalidOption("schedule '\(text)': '\(parts[index])' is not a non-negative number")
            }
            return value
        }
        switch parts.first ?? "" {
        case "constant": self = .constant
        case "step": self = .step(every: max(1, Int(try number(1, 5))), factor: try number(2, 0.5))
        case "cosine": self = .cosine(warmupEpochs: Int(try number(1, 1)), minimumFactor: try number(2, 0.01))
        case "plateau":
            self = .plateau(patience: max(1, Int(try number(1, 2))), factor: try number(2, 0.5), minimumFactor: 0.001)
        default:
            throw TrainingError.invalidOption(
                "schedule '\(text)' not understood: use constant, step[:EVERY[:FACTOR]], cosine[:WARMUP_EPOCHS], plateau[:PATIENCE[:FACTOR]]")
        }
    }
}

/// Computes the rate for each step, and keeps the plateau state between epochs.
public struct LearningRateScheduler: Codable, Equatable, Sendable {
    public let schedule: LearningRateSchedule
    public let baseRate: Double
    public let epochs: Int
    public let stepsPerEpoch: Int
    /// Plateau state: the current factor, the best metric and epochs since it improved.
    public private(set) var plateauFactor: Double = 1
    private var best: Double?
    private var epochsWithoutImprovement = 0

    public init(schedule: LearningRateSchedule, baseRate: Double, epochs: Int, stepsPerEpoch: Int) {
        self.schedule = schedule
        self.baseRate = baseRate
        self.epochs = max(1, epochs)
        self.stepsPerEpoch = max(1, stepsPerEpoch)
    }

    /// The rate for step `step` (0-based) of epoch `epoch` (0-based).
    public func rate(epoch: Int, step: Int) -> Double {
        switch schedule {
        case .constant:
            return baseRate
        case let .step(every, factor):
            return baseRate * pow(factor, Double(epoch / every))
        case let .cosine(warmupEpochs, minimumFactor):
            let position = Double(epoch) + Double(step) / Double(stepsPerEpoch)
            let warmup = Double(warmupEpochs)
            if position < warmup { return baseRate * (position + 1.0 / Double(stepsPerEpoch)) / warmup }
            let progress = min(1, (position - warmup) / max(1e-9, Double(epochs) - warmup))
            let cosine = 0.5 * (1 + cos(Double.pi * progress))
            return baseRate * (minimumFactor + (1 - minimumFactor) * cosine)
        case .plateau:
            return baseRate * plateauFactor
        }
    }

    /// Reports the validation metric after an epoch (lower is better when `lowerIsBetter`).
    public mutating func epochEnded(metric: Double, lowerIsBetter: Bool) {
        guard case let .plateau(patience, factor, minimumFactor) = schedule else { return }
        let improved = best.map { lowerIsBetter ? metric < $0 : metric > $0 } ?? true
        if improved {
            best = metric
            epochsWithoutImprovement = 0
        } else {
            epochsWithoutImprovement += 1
            if epochsWithoutImprovement >= patience {
                plateauFactor = max(minimumFactor, plateauFactor * factor)
                epochsWithoutImprovement = 0
            }
        }
    }
}
