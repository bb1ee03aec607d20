import Foundation
import OpenCLKit

/// Adam as in `torch.optim.Adam` (no AMSGrad), with coupled L2 weight decay on parameters
/// whose `decays` is true. State per parameter: `exp_avg`, `exp_avg_sq`.
public final class Adam: Optimizer {
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
    /// Coupled L2 coefficient for parameters with `decays == true`.
    public let weightDecay: Float
    public var stepCount: Int {
        get { core.stepCount }
        set { core.stepCount = newValue }
    }
    private let core: AdamCore

    /// Throws unless betas are in [0, 1) and the rest are finite and >= 0. Defaults as in PyTorch.
    public init(
        _ context: ComputeContext, learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999,
        epsilon: Float = 1e-8, weightDecay: Float = 0
    ) throws {
        core = try AdamCore(
            name: "Adam", learningRate: learningRate, beta1: beta1, beta2: beta2, epsilon: epsilon, weightDecay: weightDecay)
        self.context = context
        self.weightDecay = weightDecay
    }

    public func step(_ parameters: [Parameter]) throws { try core.step(parameters, decoupled: false) }

    public func stateTensors(for parameters: [(name: String, parameter: Parameter)]) -> [(name: String, tensor: Tensor)] {
        core.state.named(for: parameters)
    }

    public func loadState(
        _ tensors: [(name: String, tensor: Tensor)], for parameters: [(name: String, parameter: Parameter)]
    ) throws {
        try core.state.load(tensors, for: parameters)
    }
}

/// What Adam and AdamW share: hyperparameters, moments and the update launch.
final class AdamCore {
    var learningRate: Float
    let beta1: Float
    let beta2: Float
    let epsilon: Float
    let weightDecay: Float
    var stepCount = 0
    let state: OptimizerState

    init(name: String, learningRate: Float, beta1: Float, beta2: Float, epsilon: Float, weightDecay: Float) throws {
        try OptimizerState.require(OptimizerState.isNonNegative(learningRate), "\(name) learning rate must be >= 0, got \(learningRate)")
        try OptimizerState.require(beta1 >= 0 && beta1 < 1, "\(name) beta1 must be in [0, 1), got \(beta1)")
        try OptimizerState.require(beta2 >= 0 && beta2 < 1, "\(name) beta2 must be in [0, 1), got \(beta2)")
        try OptimizerState.require(OptimizerState.isNonNegative(epsilon), "\(name) epsilon must be >= 0, got \(epsilon)")
        try OptimizerState.require(OptimizerState.isNonNegative(weightDecay), "\(name) weight decay must be >= 0, got \(weightDecay)")
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        state = OptimizerState(optimizer: name, slots: ["exp_avg", "exp_avg_sq"])
    }

    /// One update; `decoupled` applies weight decay to the parameter (AdamW) instead of the gradient.
    func step(_ parameters: [Parameter], decoupled: Bool) throws {
        stepCount += 1
        let t = Double(stepCount)
        let stepSize = Float(Double(learningRate) / (1 - pow(Double(beta1), t)))
        let correction2 = Float((1 - pow(Double(beta2), t)).squareRoot())
        for parameter in parameters {
            let decay = parameter.decays ? weightDecay : 0
            let moments = try state.tensors(for: parameter)
            try OptimizerOps.adam(
                parameter.value, gradient: parameter.gradient, expAvg: moments[0], expAvgSq: moments[1], beta1: beta1,
                beta2: beta2, epsilon: epsilon, stepSize: stepSize, correction2: correction2,
                decay: decoupled ? 0 : decay, decoupledFactor: decoupled ? 1 - learningRate * decay : 1)
        }
    }
}
