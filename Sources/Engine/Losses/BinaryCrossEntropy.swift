import OpenCLKit

/// Binary cross-entropy on logits (sigmoid folded in, numerically stable), for logits `[N]` or
/// `[N, 1]` and float targets `[N]` in {0, 1}, with one weight per class.
public final class BinaryCrossEntropy: Loss {
    public let context: ComputeContext
    /// Weights of class 0 and class 1.
    public let classWeights: [Float]
    /// Label smoothing e in [0, 1): targets become y (1 - e) + e / 2.
    public let labelSmoothing: Float
    public var kind: String { "BinaryCrossEntropy" }
    private var saved: (logits: Tensor, targets: Tensor)?

    /// `classWeights` is `[w0, w1]`; nil weighs both classes 1. `labelSmoothing` must be in [0, 1).
    public init(_ context: ComputeContext, classWeights: [Float]? = nil, labelSmoothing: Float = 0) throws {
        let weights = classWeights ?? [1, 1]
        guard weights.count == 2 else {
            throw EngineError.invalidConfiguration(
                "BinaryCrossEntropy needs two class weights [negative, positive], got \(weights.count): \(weights)")
        }
        try Self.validate(classWeights: weights, for: "BinaryCrossEntropy")
        try Self.validate(labelSmoothing: labelSmoothing, for: "BinaryCrossEntropy")
        self.context = context
        self.classWeights = weights
        self.labelSmoothing = labelSmoothing
    }

    public func forward(logits: Tensor, targets: Tensor) throws -> Tensor {
        let losses = try LossOps.binaryCrossEntropyPerSample(
            logits: logits, targets: targets, negativeWeight: classWeights[0], positiveWeight: classWeights[1],
            labelSmoothing: labelSmoothing)
        saved = (logits, targets)
        return try Elementwise.sum(losses, scale: 1 / Float(max(1, logits.batch)))
    }

    public func backward() throws -> Tensor {
        guard let saved else { throw Self.missingForward(kind) }
        return try LossOps.binaryCrossEntropyGradient(
            logits: saved.logits, targets: saved.targets, negativeWeight: classWeights[0],
            positiveWeight: classWeights[1], labelSmoothing: labelSmoothing, scale: 1 / Float(max(1, saved.logits.batch)))
    }
}
