import Foundation

/// Plain-Swift losses of mixed targets (in Double): the oracle for `soft_loss.cl` as the
/// losses use it. Sample i's target is s_i of label a_i and 1 - s_i of label b_i, smoothed by
/// e on top; its weight is s_i w[a_i] + (1 - s_i) w[b_i]; loss = (1/N) sum_i w_i CE_i.
public enum MixedLossReference {
    /// Binary cross-entropy on logits `[N]`; weights `[w0, w1]`.
    public static func binaryCrossEntropy(
        logits: [Float], mixed: MixedLabels, classWeights: [Float], labelSmoothing: Double = 0
    ) -> (loss: Float, gradient: [Float]) {
        let n = Double(max(1, logits.count))
        var total = 0.0
        var gradient = [Float](repeating: 0, count: logits.count)
        for i in logits.indices {
            let s = Double(mixed.firstShare[i]), a = mixed.first[i], b = mixed.second[i]
            let target = s * Double(a) + (1 - s) * Double(b)
            let y = target * (1 - labelSmoothing) + labelSmoothing / 2
            let w = s * Double(classWeights[a]) + (1 - s) * Double(classWeights[b])
            let x = Double(logits[i])
            total += w * (max(x, 0) - x * y + log1p(exp(-abs(x))))
            gradient[i] = Float(w * (1 / (1 + exp(-x)) - y) / n)
        }
        return (Float(total / n), gradient)
    }

    /// Softmax cross-entropy on logits `[N, classes]`; one weight per class.
    public static func softmaxCrossEntropy(
        logits: [Float], mixed: MixedLabels, classes: Int, classWeights: [Float], labelSmoothing: Double = 0
    ) -> (loss: Float, gradient: [Float]) {
        let n = Double(max(1, mixed.count))
        var total = 0.0
        var gradient = [Float](repeating: 0, count: logits.count)
        for r in 0..<mixed.count {
            let s = Double(mixed.firstShare[r]), a = mixed.first[r], b = mixed.second[r]
            let w = s * Double(classWeights[a]) + (1 - s) * Double(classWeights[b])
            let row = (0..<classes).map { Double(logits[r * classes + $0]) }
            let largest = row.max() ?? 0
            let sumExp = row.reduce(0.0) { $0 + exp($1 - largest) }
            let logSumExp = largest + log(sumExp)
            for c in 0..<classes {
                let blended = (c == a ? s : 0) + (c == b ? 1 - s : 0)
                let target = blended * (1 - labelSmoothing) + labelSmoothing / Double(classes)
                total += w * target * (logSumExp - row[c])
                gradient[r * classes + c] = Float(w * (exp(row[c] - largest) / sumExp - target) / n)
            }
        }
        return (Float(total / n), gradient)
    }
}
