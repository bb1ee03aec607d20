import OpenCLKit

/// Softmax cross-entropy for logits `[N, C]` and targets `[N]` holding class indices as floats
/// (0, 1, ..., C-1), with one weight per class.
public final class SoftmaxCrossEntropy: Loss {
    public let context: ComputeContext
    /// One weight per class, or nil for all ones.
    public let classWeights: [Float]?
    public var kind: String { "SoftmaxCrossEntropy" }
    private var weights: Tensor?
    private var saved: (logits: Tensor, targets: Tensor)?

    /// `classWeights` has one entry per class (checked against the logits at forward); nil weighs all classes 1.
    public init(_ context: ComputeContext, classWeights: [Float]? = nil) throws {
        if let classWeights {
            guard !classWeights.isEmpty else {
                throw EngineError.invalidConfiguration("SoftmaxCrossEntropy class weights are empty; pass one per class or nil")
            }
            try Self.validate(classWeights: classWeights, for: "SoftmaxCrossEntropy")
            weights = try Tensor(context, shape: [classWeights.count], values: classWeights)
        }
        self.context = context
        self.classWeights = classWeights
    }

    public func forward(logits: Tensor, targets: Tensor) throws -> Tensor {
        let weights = try weightTensor(classes: logits.shape.count == 2 ? logits.shape[1] : 0)
        let losses = try LossOps.softmaxCrossEntropyPerSample(logits: logits, targets: targets, weights: weights)
        saved = (logits, targets)
        return try Elementwise.sum(losses, scale: 1 / Float(max(1, logits.batch)))
    }

    public func backward() throws -> Tensor {
        guard let saved, let weights else { throw Self.missingForward(kind) }
        return try LossOps.softmaxCrossEntropyGradient(
            logits: saved.logits, targets: saved.targets, weights: weights,
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
