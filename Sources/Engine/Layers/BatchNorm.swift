import OpenCLKit

/// Batch normalisation over the channels of `[N, C]` or `[N, C, H, W]` inputs, with PyTorch's
/// conventions: batch statistics in training (biased variance to normalise, running variance
/// updated with the unbiased one), running statistics in inference.
public final class BatchNorm: Layer {
    public let context: ComputeContext
    /// C, the size of dimension 1 of the input.
    public let channels: Int
    /// Weight of the newest batch in the running statistics.
    public let momentum: Float
    /// Added to the variance before the square root.
    public let epsilon: Float
    /// Per-channel scale (gamma), starts at 1; not decayed.
    public let weight: Parameter
    /// Per-channel shift (beta), starts at 0; not decayed.
    public let bias: Parameter
    /// Running mean, starts at 0.
    public let runningMean: Tensor
    /// Running (unbiased) variance, starts at 1.
    public let runningVar: Tensor
    public var kind: String { "BatchNorm" }
    public var parameters: [Parameter] { [weight, bias] }
    public var buffers: [(name: String, tensor: Tensor)] { [("running_mean", runningMean), ("running_var", runningVar)] }

    private var saved: (input: Tensor, statistics: Normalization.Statistics)?

    public func releaseSaved() { saved = nil }

    /// PyTorch's defaults: momentum 0.1, epsilon 1e-5; weight 1, bias 0, running mean 0, running variance 1.
    public init(_ context: ComputeContext, channels: Int, momentum: Float = 0.1, epsilon: Float = 1e-5) throws {
        guard channels > 0 else {
            throw EngineError.invalidConfiguration("BatchNorm needs at least one channel, got \(channels)")
        }
        guard momentum >= 0, momentum <= 1 else {
            throw EngineError.invalidConfiguration("BatchNorm momentum must be in [0, 1], got \(momentum)")
        }
        guard epsilon > 0, epsilon.isFinite else {
            throw EngineError.invalidConfiguration("BatchNorm epsilon must be a positive number, got \(epsilon)")
        }
        self.context = context
        self.channels = channels
        self.momentum = momentum
        self.epsilon = epsilon
        let ones = try Tensor(context, shape: [channels])
        try ones.buffer.fill(1)
        weight = try Parameter(name: "weight", value: ones, decays: false)
        bias = try Parameter(name: "bias", value: try Tensor.zeros(context, shape: [channels]), decays: false)
        runningMean = try Tensor.zeros(context, shape: [channels])
        runningVar = try Tensor(context, shape: [channels])
        try runningVar.buffer.fill(1)
    }

    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        guard inputShape.count >= 2, inputShape[1] == channels else {
            throw EngineError.shapeMismatch(
                "BatchNorm(\(channels)) needs input [N, \(channels)] or [N, \(channels), H, W], got \(inputShape)")
        }
        return inputShape
    }

    public func forward(_ input: Tensor, mode: Mode) throws -> Tensor {
        let result = try normalize(input, mode: mode, relu: false)
        saved = (input, result.statistics)
        return result.output
    }

    /// After a training forward, differentiates through the batch statistics; after an
    /// inference forward, treats the running statistics as constants (a frozen layer).
    public func backward(_ outputGradient: Tensor) throws -> Tensor {
        guard let saved else { throw Pointwise.missingForward(kind) }
        return try differentiate(saved.input, outputGradient, saved.statistics, relu: false, pooled: nil)
    }

    /// The normalisation of `input` (then max(., 0) with `relu`), updating the running statistics in training.
    func normalize(_ input: Tensor, mode: Mode, relu: Bool) throws -> (output: Tensor, statistics: Normalization.Statistics) {
        switch mode {
        case .training:
            return try Normalization.trainingForward(
                input, weight: weight.value, bias: bias.value, runningMean: runningMean, runningVar: runningVar,
                momentum: momentum, epsilon: epsilon, fusedReLU: relu)
        case .inference:
            return try Normalization.inferenceForward(
                input, weight: weight.value, bias: bias.value, runningMean: runningMean, runningVar: runningVar,
                epsilon: epsilon, fusedReLU: relu)
        }
    }

    /// The batch statistics of `input` without normalising it, updating the running statistics.
    func batchStatistics(_ input: Tensor) throws -> Normalization.Statistics {
        try Normalization.trainingStatistics(
            input, weight: weight.value, bias: bias.value, runningMean: runningMean, runningVar: runningVar,
            momentum: momentum, epsilon: epsilon)
    }

    /// Writes this layer's parameter gradients and returns the input gradient.
    func differentiate(
        _ input: Tensor, _ outputGradient: Tensor, _ statistics: Normalization.Statistics, relu: Bool,
        pooled: Normalization.PooledGradient?
    ) throws -> Tensor {
        try Normalization.backward(
            input: input, outputGradient: outputGradient, statistics: statistics, weight: weight.value,
            weightGradient: weight.gradient, biasGradient: bias.gradient, fusedReLU: relu, pooled: pooled)
    }
}
