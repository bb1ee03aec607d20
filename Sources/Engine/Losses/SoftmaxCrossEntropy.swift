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
    /// The last forward's target rows and weights, when it was a mixed one.
    private var soft: (targets: Tensor, weights: Tensor)?

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
        soft = nil
        return try Elementwise.sum(losses, scale: 1 / Float(max(1, logits.batch)))
    }

    /// Target row s onehot(y1) + (1 - s) onehot(y2) (then smoothed) and weight
    /// s w[y1] + (1 - s) w[y2] per sample.
    public func forward(logits: Tensor, mixed: MixedLabels) throws -> Tensor {
        guard logits.shape.count == 2, logits.shape[1] > 0 else {
            throw EngineError.shapeMismatch("softmax cross-entropy needs logits [N, C], got \(logits.shape)")
        }
        let classes = logits.shape[1]
        if let classWeights, classWeights.count != classes {
            throw EngineError.shapeMismatch(
                "softmax cross-entropy over \(classes) classes got \(classWeights.count) class weights; pass one weight per class")
        }
        try mixed.check(classes: classes, loss: kind)
        let classWeight = { (c: Int) in Double(self.classWeights?[c] ?? 1) }
        var targets = [Float](repeating: 0, count: mixed.count * classes), weights: [Float] = []
        for i in 0..<mixed.count {
            let share = Double(mixed.firstShare[i])
            let (a, b) = (mixed.first[i], mixed.second[i])
            var row = [Double](repeating: 0, count: classes)
            row[a] += share
            row[b] += 1 - share
            for c in 0..<classes { targets[i * classes + c] = Float(row[c]) }
            let weight: Double = share * classWeight(a) + (1 - share) * classWeight(b)
            weights.append(Float(weight))
        }
        let targetTensor = try Tensor(context, shape: [mixed.count, classes], values: targets)
        let weightTensor = try Tensor(context, shape: [mixed.count], values: weights)
        let losses = try SoftLossOps.softmaxPerSample(
            logits: logits, targets: targetTensor, weights: weightTensor, labelSmoothing: labelSmoothing)
        saved = (logits, targetTensor)
        soft = (targetTensor, weightTensor)
        return try Elementwise.sum(losses, scale: 1 / Float(max(1, logits.batch)))
    }

    public func backward() throws -> Tensor {
        guard let saved else { throw Self.missingForward(kind) }
        if let soft {
            return try SoftLossOps.softmaxGradient(
                logits: saved.logits, targets: soft.targets, weights: soft.weights, labelSmoothing: labelSmoothing,
                scale: 1 / Float(max(1, saved.logits.batch)))
        }
        guard let weights else { throw Self.missingForward(kind) }
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
