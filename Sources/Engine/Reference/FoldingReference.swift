import Foundation

/// Plain-Swift BatchNorm folding, in Double: the oracle for `fold.cl`.
public enum FoldingReference {
    /// W' = W * scale and b' = (b - mean) * scale + beta per row, scale = gamma / sqrt(var + epsilon);
    /// `weight` is `gamma.count` rows of equal length, `bias` nil for a layer without one.
    public static func fold(
        weight: [Float], bias: [Float]?, gamma: [Float], beta: [Float], mean: [Float], variance: [Float], epsilon: Float
    ) -> (weight: [Float], bias: [Float]) {
        let rows = gamma.count
        let columns = rows == 0 ? 0 : weight.count / rows
        var folded = [Float](repeating: 0, count: weight.count)
        var shifted = [Float](repeating: 0, count: rows)
        for f in 0..<rows {
            let scale = Double(gamma[f]) / (Double(variance[f]) + Double(epsilon)).squareRoot()
            for k in 0..<columns { folded[f * columns + k] = Float(Double(weight[f * columns + k]) * scale) }
            shifted[f] = Float((Double(bias?[f] ?? 0) - Double(mean[f])) * scale + Double(beta[f]))
        }
        return (folded, shifted)
    }
}
