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
    /// The last forward's soft targets and weights, when it was a mixed one.
    private var soft: (targets: Tensor, weights: Tensor)?

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
        soft = nil
        return try Elementwise.sum(losses, scale: 1 / Float(max(1, logits.batch)))
    }

    /// Target t = s y1 + (1 - s) y2 (then smoothed) and weight s w[y1] + (1 - s) w[y2] per sample.
    public func forward(logits: Tensor, mixed: MixedLabels) throws -> Tensor {
        try mixed.check(classes: 2, loss: kind)
        var targets: [Float] = [], weights: [Float] = []
        for i in 0..<mixed.count {
            let share = Double(mixed.firstShare[i])
            let (a, b) = (mixed.first[i], mixed.second[i])
            let target: Double = share * Double(a) + (1 - share) * Double(b)
            let weightA = Double(classWeights[a]), weightB = Double(classWeights[b])
            let weight: Double = share * weightA + (1 - share) * weightB
            targets.append(Float(target))
            weights.append(Float(weight))
        }
        let targetTensor = try Tensor(context, shape: [mixed.count], values: targets)
        let weightTensor = try Tensor(context, shape: [mixed.count], values: weights)
        let losses = try SoftLossOps.binaryPerSample(
            logits: logits, targets: targetTensor, weights: weightTensor, labelSmoothing: labelSmoothing)
        saved = (logits, targetTensor)
        soft = (targetTensor, weightTensor)
        return try Elementwise.sum(losses, scale: 1 / Float(max(1, logits.batch)))
    }

    public func backward() throws -> Tensor {
        guard let saved else { throw Self.missingForward(kind) }
        if let soft {
            return try SoftLossOps.binaryGradient(
                logits: saved.logits, targets: soft.targets, weights: soft.weights, labelSmoothing: labelSmoothing,
                scale: 1 / Float(max(1, saved.logits.batch)))
        }
        return try LossOps.binaryCrossEntropyGradient(
            logits: saved.logits, targets: saved.targets, negativeWeight: classWeights[0],
            positiveWeight: classWeights[1], labelSmoothing: labelSmoothing, scale: 1 / Float(max(1, saved.logits.batch)))
    }
}
