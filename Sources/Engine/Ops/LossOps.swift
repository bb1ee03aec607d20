import OpenCLKit

/// Per-sample losses and their gradients on the device (kernels in `loss.cl`). A target that
/// is not a valid label gives NaN for that sample, which the host sees in the loss value.
public enum LossOps {
    /// w[y] * (max(x, 0) - x*t + log(1 + exp(-|x|))) per sample, `[N]`, with t = y (1 - e) + e / 2
    /// for label smoothing e; w[y] is `positiveWeight` for y >= 0.5 and `negativeWeight` otherwise.
    public static func binaryCrossEntropyPerSample(
        logits: Tensor, targets: Tensor, negativeWeight: Float, positiveWeight: Float, labelSmoothing: Float = 0
    ) throws -> Tensor {
        let n = try binarySamples(logits, targets)
        let context = logits.context
        let losses = try Tensor(context, shape: [n])
        if n == 0 { return losses }
        try context.launch(
            context.kernel("loss.cl", "bce_forward"), global: [n], local: [Pointwise.groupSize(context)],
            logits.buffer, targets.buffer, losses.buffer, negativeWeight, positiveWeight, labelSmoothing, n)
        return losses
    }

    /// scale * w[y] * (sigmoid(x) - t), shaped like the logits (t as in the forward).
    public static func binaryCrossEntropyGradient(
        logits: Tensor, targets: Tensor, negativeWeight: Float, positiveWeight: Float, labelSmoothing: Float = 0, scale: Float
    ) throws -> Tensor {
        let n = try binarySamples(logits, targets)
        let context = logits.context
        let gradient = try Tensor(context, shape: logits.shape)
        if n == 0 { return gradient }
        try context.launch(
            context.kernel("loss.cl", "bce_backward"), global: [n], local: [Pointwise.groupSize(context)],
            logits.buffer, targets.buffer, gradient.buffer, negativeWeight, positiveWeight, labelSmoothing, scale, n)
        return gradient
    }

    /// w[t] * (logsumexp(x) - (1 - e) x[t] - (e / C) sum(x)) per row of logits `[N, C]`, `[N]`,
    /// for label smoothing e; `weights` is `[C]`.
    public static func softmaxCrossEntropyPerSample(
        logits: Tensor, targets: Tensor, weights: Tensor, labelSmoothing: Float = 0
    ) throws -> Tensor {
        let (rows, cols) = try softmaxShape(logits, targets, weights)
        let context = logits.context
        let losses = try Tensor(context, shape: [rows])
        if rows == 0 { return losses }
        try context.launch(
            context.kernel("loss.cl", "softmax_ce_forward"), global: [rows], local: [Pointwise.groupSize(context)],
            logits.buffer, targets.buffer, weights.buffer, losses.buffer, labelSmoothing, rows, cols)
        return losses
    }

    /// scale * w[t] * (softmax(x) - ((1 - e) onehot(t) + e / C)), shaped like the logits.
    public static func softmaxCrossEntropyGradient(
        logits: Tensor, targets: Tensor, weights: Tensor, labelSmoothing: Float = 0, scale: Float
    ) throws -> Tensor {
        let (rows, cols) = try softmaxShape(logits, targets, weights)
        let context = logits.context
        let gradient = try Tensor(context, shape: logits.shape)
        if rows == 0 { return gradient }
        try context.launch(
            context.kernel("loss.cl", "softmax_ce_backward"), global: [rows], local: [Pointwise.groupSize(context)],
            logits.buffer, targets.buffer, weights.buffer, gradient.buffer, labelSmoothing, scale, rows, cols)
        return gradient
    }

    /// Logits `[N]` or `[N, 1]` with targets `[N]` (or `[N, 1]`); returns N.
    private static func binarySamples(_ logits: Tensor, _ targets: Tensor) throws -> Int {
        let n = logits.batch
        guard isColumn(logits.shape), isColumn(targets.shape), targets.count == n else {
            throw EngineError.shapeMismatch(
                "binary cross-entropy needs logits [N] or [N, 1] and targets [N], got logits \(logits.shape) and targets \(targets.shape)")
        }
        return n
    }

    /// Logits `[N, C]` with targets `[N]` (or `[N, 1]`) and weights `[C]`; returns (N, C).
    private static func softmaxShape(_ logits: Tensor, _ targets: Tensor, _ weights: Tensor) throws -> (Int, Int) {
        guard logits.shape.count == 2, logits.shape[1] > 0, isColumn(targets.shape), targets.count == logits.shape[0] else {
            throw EngineError.shapeMismatch(
                "softmax cross-entropy needs logits [N, C] and targets [N] of class indices, got logits \(logits.shape) and targets \(targets.shape)")
        }
        guard weights.count == logits.shape[1] else {
            throw EngineError.shapeMismatch(
                "softmax cross-entropy over \(logits.shape[1]) classes got \(weights.count) class weights; pass one weight per class")
        }
        return (logits.shape[0], logits.shape[1])
    }

    private static func isColumn(_ shape: [Int]) -> Bool { shape.count == 1 || (shape.count == 2 && shape[1] == 1) }
}
