import OpenCLKit

/// Stochastic gradient descent as in `torch.optim.SGD` (dampening 0): plain, with momentum, or
/// Nesterov, with coupled L2 weight decay on parameters whose `decays` is true.
public final class SGD: Optimizer {
    public let context: ComputeContext
    public var learningRate: Float
    /// Momentum factor; 0 turns momentum (and its state) off.
    public let momentum: Float
    /// Nesterov momentum (needs momentum > 0).
    public let nesterov: Bool
    /// Coupled L2 coefficient for parameters with `decays == true`.
    public let weightDecay: Float
    public var stepCount = 0
    /// One `momentum_buffer` per parameter when momentum is on; none otherwise.
    private let state: OptimizerState

    /// Throws for negative or non-finite values, or Nesterov without momentum. Defaults as in PyTorch.
    public init(
        _ context: ComputeContext, learningRate: Float = 1e-3, momentum: Float = 0, nesterov: Bool = false,
        weightDecay: Float = 0
    ) throws {
        try OptimizerState.require(OptimizerState.isNonNegative(learningRate), "SGD learning rate must be >= 0, got \(learningRate)")
        try OptimizerState.require(OptimizerState.isNonNegative(momentum), "SGD momentum must be >= 0, got \(momentum)")
        try OptimizerState.require(OptimizerState.isNonNegative(weightDecay), "SGD weight decay must be >= 0, got \(weightDecay)")
        try OptimizerState.require(!nesterov || momentum > 0, "SGD with Nesterov needs a momentum above 0")
        self.context = context
        self.learningRate = learningRate
        self.momentum = momentum
        self.nesterov = nesterov
        self.weightDecay = weightDecay
        state = OptimizerState(optimizer: "SGD", slots: momentum > 0 ? ["momentum_buffer"] : [])
    }

    public func step(_ parameters: [Parameter]) throws {
        stepCount += 1
        for parameter in parameters {
            let decay = parameter.decays ? weightDecay : 0
            if momentum > 0 {
                try OptimizerOps.sgdMomentum(
                    parameter.value, gradient: parameter.gradient, buffer: try state.tensors(for: parameter)[0],
                    learningRate: learningRate, decay: decay, momentum: momentum, nesterov: nesterov)
            } else {
                try OptimizerOps.sgd(parameter.value, gradient: parameter.gradient, learningRate: learningRate, decay: decay)
            }
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
