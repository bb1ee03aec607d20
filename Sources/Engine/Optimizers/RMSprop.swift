import OpenCLKit

/// RMSprop as in `torch.optim.RMSprop` (not centred), optionally with momentum, with coupled
/// L2 weight decay on parameters whose `decays` is true. State: `square_avg`, and
/// `momentum_buffer` when momentum is on.
public final class RMSprop: Optimizer {
    public let context: ComputeContext
    public var learningRate: Float
    /// Smoothing constant of the squared-gradient average.
    public let alpha: Float
    /// Added to the denominator for stability.
    public let epsilon: Float
    /// Momentum factor; 0 turns momentum (and its buffer) off.
    public let momentum: Float
    /// Coupled L2 coefficient for parameters with `decays == true`.
    public let weightDecay: Float
    public var stepCount = 0
    private let state: OptimizerState

    /// Throws for values out of range. Defaults as in PyTorch.
    public init(
        _ context: ComputeContext, learningRate: Float = 1e-2, alpha: Float = 0.99, epsilon: Float = 1e-8,
        momentum: Float = 0, weightDecay: Float = 0
    ) throws {
        try OptimizerState.require(OptimizerState.isNonNegative(learningRate), "RMSprop learning rate must be >= 0, got \(learningRate)")
        try OptimizerState.require(alpha >= 0 && alpha <= 1, "RMSprop alpha must be in [0, 1], got \(alpha)")
        try OptimizerState.require(OptimizerState.isNonNegative(epsilon), "RMSprop epsilon must be >= 0, got \(epsilon)")
        try OptimizerState.require(OptimizerState.isNonNegative(momentum), "RMSprop momentum must be >= 0, got \(momentum)")
        try OptimizerState.require(OptimizerState.isNonNegative(weightDecay), "RMSprop weight decay must be >= 0, got \(weightDecay)")
        self.context = context
        self.learningRate = learningRate
        self.alpha = alpha
        self.epsilon = epsilon
        self.momentum = momentum
        self.weightDecay = weightDecay
        state = OptimizerState(optimizer: "RMSprop", slots: momentum > 0 ? ["square_avg", "momentum_buffer"] : ["square_avg"])
    }

    public func step(_ parameters: [Parameter]) throws {
        stepCount += 1
        for parameter in parameters {
            let tensors = try state.tensors(for: parameter)
            try OptimizerOps.rmsprop(
                parameter.value, gradient: parameter.gradient, squareAvg: tensors[0],
                buffer: momentum > 0 ? tensors[1] : nil, learningRate: learningRate, alpha: alpha, epsilon: epsilon,
                momentum: momentum, decay: parameter.decays ? weightDecay : 0)
        }
    }

    public func stateTensors(for parameters: [(name: String, parameter: Parameter)]) -> [(name: String, tensor: Tensor)] {
        state.named(for: parameters)
    }

    public func loadState(
        _ tensors: [(name: String, tensor: Tensor)], for parameters: [(name: String, parameter: Parameter)]
    ) throws {
        try state.load(tensors, for: parameters)
    }
}
