import Engine
import OpenCLKit

/// The optimizers `--optimizer` offers.
public enum OptimizerKind: String, Codable, CaseIterable, Sendable {
    case sgd, momentum, nesterov, adam, adamw, rmsprop

    /// Reads a command-line name, with the list of names in the error.
    public init(parsing text: String) throws {
        guard let kind = OptimizerKind(rawValue: text.lowercased()) else {
            throw TrainingError.invalidOption(
                "unknown optimizer '\(text)'; use one of \(OptimizerKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        self = kind
    }

    /// A new optimizer of this kind with the run's rate, momentum and weight decay.
    public func make(context: ComputeContext, learningRate: Double, momentum: Double, weightDecay: Double) throws -> Optimizer {
        let rate = Float(learningRate), beta = Float(momentum), decay = Float(weightDecay)
        switch self {
        case .sgd: return try SGD(context, learningRate: rate, weightDecay: decay)
        case .momentum: return try SGD(context, learningRate: rate, momentum: beta, weightDecay: decay)
        case .nesterov: return try SGD(context, learningRate: rate, momentum: beta, nesterov: true, weightDecay: decay)
        case .adam: return try Adam(context, learningRate: rate, weightDecay: decay)
        case .adamw: return try AdamW(context, learningRate: rate, weightDecay: decay)
        case .rmsprop: return try RMSprop(context, learningRate: rate, weightDecay: decay)
        }
    }
}
