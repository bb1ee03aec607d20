import OpenCLKit

/// AdamW as in `torch.optim.AdamW`: Adam with decoupled weight decay (p *= 1 - lr * decay
/// before the update) on parameters whose `decays` is true. State: `exp_avg`, `exp_avg_sq`.
public final class AdamW: Optimizer {
    public let context: ComputeContext
    public var learningRate: Float {
        get { core.learningRate }
        set { core.learningRate = newValue }
    }
    /// Decay rate of the gradient average.
    public var beta1: Float { core.beta1 }
    /// Decay rate of the squared-gradient average.
    public var beta2: Float { core.beta2 }
    /// Added to the denominator for stability.
    public var epsilon: Float { core.epsilon }
    /// Decoupled decay coefficient for parameters with `decays == true`.
    public let weightDecay: Float
    public var stepCount: Int {
        get { core.stepCount }
        set { core.stepCount = newValue }
    }
    private let core: AdamCore

    /// Throws unless betas are in [0, 1) and the rest are finite and >= 0. Defaults as in PyTorch.
    public init(
        _ context: ComputeContext, learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
        epsilon: Float = 1e-8, weightDecay: Float = 1e-2
    ) throws {
        core = try AdamCore(
            name: "AdamW", learningRate: learningRate, beta1: beta1, beta2: beta2, epsilon: epsilon, weightDecay: weightDecay)
        self.context = context
        self.weightDecay = weightDecay
    }

    public func step(_ parameters: [Parameter]) throws { try core.step(parameters, decoupled: true) }

    public func stateTensors(for parameters: [(name: String, parameter: Parameter)]) -> [(name: String, tensor: Tensor)] {
        core.state.named(for: parameters)
    }

    public func loadState(
        _ tensors: [(name: String, tensor: Tensor)], for parameters: [(name: String, parameter: Parameter)]
    ) throws {
        try core.state.load(tensors, for: parameters)
    }
}
