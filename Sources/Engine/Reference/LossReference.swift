import Foundation

/// Plain-Swift losses and gradients (in Double): the oracle for `loss.cl`.
/// Both return loss = (1/N) * sum_i w[y_i] * l_i and its gradient with respect to the logits.
public enum LossReference {
    /// Binary cross-entropy on logits `[N]`, targets in {0, 1}, weights `[w0, w1]`; label
    /// smoothing e trains towards y (1 - e) + e / 2.
    public static func binaryCrossEntropy(
        logits: [Float], targets: [Float], classWeights: [Float], labelSmoothing: Double = 0
    ) -> (loss: Float, gradient: [Float]) {
        let n = Double(max(1, logits.count))
        var total = 0.0
        var gradient = [Float](repeating: 0, count: logits.count)
        for i in logits.indices {
            let x = Double(logits[i]), y = Double(targets[i]) * (1 - labelSmoothing) + labelSmoothing / 2
            let w = Double(targets[i] >= 0.5 ? classWeights[1] : classWeights[0])
            total += w * (max(x, 0) - x * y + log1p(exp(-abs(x))))
            gradient[i] = Float(w * (1 / (1 + exp(-x)) - y) / n)
        }
        return (Float(total / n), gradient)
    }

    /// Softmax cross-entropy on logits `[N, classes]` with targets given as class indices; label
    /// smoothing e moves e of each target's mass evenly over all classes.
    public static func softmaxCrossEntropy(
        logits: [Float], targets: [Float], classes: Int, classWeights: [Float], labelSmoothing: Double = 0
    ) -> (loss: Float, gradient: [Float]) {
        let rows = targets.count
        let n = Double(max(1, rows))
        var total = 0.0
        var gradient = [Float](repeating: 0, count: logits.count)
        for r in 0..<rows {
            let row = (0..<classes).map { Double(logits[r * classes + $0]) }
            let k = Int(targets[r])
            let largest = row.max() ?? 0
            let sumExp = row.reduce(0.0) { $0 + exp($1 - largest) }
            let w = Double(classWeights[k])
            let logSumExp = largest + log(sumExp)
            for c in 0..<classes {
                let target = (c == k ? 1 - labelSmoothing : 0) + labelSmoothing / Double(classes)
                total += w * target * (logSumExp - row[c])
                let p = exp(row[c] - largest) / sumExp
                gradient[r * classes + c] = Float(w * (p - target) / n)
            }
        }
        return (Float(total / n), gradient)
    }
}
