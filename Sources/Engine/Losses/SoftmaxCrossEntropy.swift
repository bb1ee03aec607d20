import OpenCLKit

/// Softmax cross-entropy for logits `[N, C]` and targets `[N]` holding class indices as floats
/// (0, 1, ..., C-1), with one weight per class.
public final class SoftmaxCrossEntropy: Loss {
    public let context: ComputeContext
    /// One weight per class, or nil for all ones.
    public let classWeights: [Float]?
    /// Label smoothing e in [0, 1): the target puts 1 - e + e / C on its class and e / C on each other.
    public let labelSmoothing: Float
    public var kind: String { "SoftmaxCrossEntropy" }
    private var weights: Tensor?
    private var saved: (logits: Tensor, targets: Tensor)?

    /// `classWeights` has one entry per class (checked against the logits at forward); nil weighs all
    /// classes 1. `labelSmoothing` must be in [0, 1).
    public init(_ context: ComputeContext, classWeights: [Float]? = nil, labelSmoothing: Float = 0) throws {
        try Self.validate(labelSmoothing: labelSmoothing, for: "SoftmaxCrossEntropy")
        if let classWeights {
            guard !classWeights.isEmpty else {
                throw EngineError.invalidConfiguration("SoftmaxCrossEntropy class weights are empty; pass one per class or nil")
            }
            try Self.validate(classWeights: classWeights, for: "SoftmaxCrossEntropy")
            weights = try Tensor(context, shape: [classWeights.count], values: classWeights)
        }
        self.context = context
        self.classWeights = classWeights
        self.labelSmoothing = labelSmoothing
    }

    public func forward(logits: Tensor, targets: Tensor) throws -> Tensor {
        let weights = try weightTensor(classes: logits.shape.count == 2 ? logits.shape[1] : 0)
        let losses = try LossOps.softmaxCrossEntropyPerSample(
            logits: logits, targets: targets, weights: weights, labelSmoothing: labelSmoothing)
        saved = (logits, targets)
        return try Elementwise.sum(losses, scale: 1 / Float(max(1, logits.batch)))
    }

    public func backward() throws -> Tensor {
        guard let saved, let weights else { throw Self.missingForward(kind) }
        return try LossOps.softmaxCrossEntropyGradient(
            logits: saved.logits, targets: saved.targets, weights: weights, labelSmoothing: labelSmoothing,
            scale: 1 / Float(max(1, saved.logits.batch)))
    }

    /// The given weights, or ones for as many classes as the logits have.
    private func weightTensor(classes: Int) throws -> Tensor {
        if let weights, classWeights != nil || weights.count == classes { return weights }
        let ones = try Tensor(context, shape: [max(1, classes)])
        try ones.buffer.fill(1)
        weights = ones
        return ones
    }
}
