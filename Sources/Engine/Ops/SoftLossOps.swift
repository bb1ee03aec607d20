import OpenCLKit

/// Per-sample cross-entropy against soft targets with per-sample weights, and its gradient
/// (kernels in `soft_loss.cl`): the losses of mixed images. Hard labels keep `LossOps`.
public enum SoftLossOps {
    /// w_i * (max(x, 0) - x*t + log(1 + exp(-|x|))) per sample, `[N]`, for logits `[N]` or
    /// `[N, 1]`, targets `[N]` in [0, 1] smoothed to t (1 - e) + e / 2, and weights `[N]`.
    public static func binaryPerSample(logits: Tensor, targets: Tensor, weights: Tensor, labelSmoothing: Float) throws -> Tensor {
        let n = try binarySamples(logits, targets, weights)
        let losses = try Tensor(logits.context, shape: [n])
        if n == 0 { return losses }
        try logits.context.launch(
            logits.context.kernel("soft_loss.cl", "bce_soft_forward"), global: [n], local: [Pointwise.groupSize(logits.context)],
            logits.buffer, targets.buffer, weights.buffer, losses.buffer, labelSmoothing, n)
        return losses
    }

    /// scale * w_i * (sigmoid(x) - t), shaped like the logits.
    public static func binaryGradient(logits: Tensor, targets: Tensor, weights: Tensor, labelSmoothing: Float, scale: Float) throws -> Tensor {
        let n = try binarySamples(logits, targets, weights)
        let gradient = try Tensor(logits.context, shape: logits.shape)
        if n == 0 { return gradient }
        try logits.context.launch(
            logits.context.kernel("soft_loss.cl", "bce_soft_backward"), global: [n], local: [Pointwise.groupSize(logits.context)],
            logits.buffer, targets.buffer, weights.buffer, gradient.buffer, labelSmoothing, scale, n)
        return gradient
    }

    /// w_r * sum_c q'_c (logsumexp(x) - x_c) per row of logits `[N, C]`, `[N]`, for target
    /// rows `[N, C]` smoothed to q' = (1 - e) q + e / C and weights `[N]`.
    public static func softmaxPerSample(logits: Tensor, targets: Tensor, weights: Tensor, labelSmoothing: Float) throws -> Tensor {
        let (rows, cols) = try softmaxShape(logits, targets, weights)
        let losses = try Tensor(logits.context, shape: [rows])
        if rows == 0 { return losses }
        try logits.context.launch(
            logits.context.kernel("soft_loss.cl", "softmax_ce_soft_forward"), global: [rows], local: [Pointwise.groupSize(logits.context)],
            logits.buffer, targets.buffer, weights.buffer, losses.buffer, labelSmoothing, rows, cols)
        return losses
    }

    /// scale * w_r * (softmax(x) sum(q') - q'), shaped like the logits.
    public static func softmaxGradient(logits: Tensor, targets: Tensor, weights: Tensor, labelSmoothing: Float, scale: Float) throws -> Tensor {
        let (rows, cols) = try softmaxShape(logits, targets, weights)
        let gradient = try Tensor(logits.context, shape: logits.shape)
        if rows == 0 { return gradient }
        try logits.context.launch(
            logits.context.kernel("soft_loss.cl", "softmax_ce_soft_backward"), global: [rows], local: [Pointwise.groupSize(logits.context)],
            logits.buffer, targets.buffer, weights.buffer, gradient.buffer, labelSmoothing, scale, rows, cols)
        return gradient
    }

    /// Logits `[N]` or `[N, 1]` with targets and weights of N values each; returns N.
    private static func binarySamples(_ logits: Tensor, _ targets: Tensor, _ weights: Tensor) throws -> Int {
        let n = logits.batch
        let column = logits.shape.count == 1 || (logits.shape.count == 2 && logits.shape[1] == 1)
        guard column, targets.count == n, weights.count == n else {
            throw EngineError.shapeMismatch(
                "soft binary cross-entropy needs logits [N] or [N, 1] with N targets and N weights, got logits \(logits.shape), "
                    + "\(targets.count) targets and \(weights.count) weights")
        }
        return n
    }

    /// Logits `[N, C]` with N x C targets and N weights; returns (N, C).
    private static func softmaxShape(_ logits: Tensor, _ targets: Tensor, _ weights: Tensor) throws -> (Int, Int) {
        guard logits.shape.count == 2, logits.shape[1] > 0, targets.count == logits.count, weights.count == logits.shape[0] else {
            throw EngineError.shapeMismatch(
                "soft softmax cross-entropy needs logits [N, C] with N x C targets and N weights, got logits \(logits.shape), "
                    + "\(targets.count) targets and \(weights.count) weights")
        }
        return (logits.shape[0], logits.shape[1])
    }
}
