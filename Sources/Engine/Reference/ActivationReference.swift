import Foundation

/// Plain-Swift activations and gradients: the oracle for `activation.cl`.
public enum ActivationReference {
    /// max(x, 0)
    public static func relu(_ x: [Float]) -> [Float] { x.map { max($0, 0) } }

    /// dy where x > 0, else 0.
    public static func reluBackward(input x: [Float], outputGradient dy: [Float]) -> [Float] {
        zip(x, dy).map { $0 > 0 ? $1 : 0 }
    }

    /// x for x > 0, slope * x otherwise.
    public static func leakyReLU(_ x: [Float], slope: Float) -> [Float] { x.map { $0 > 0 ? $0 : slope * $0 } }

    /// dy where x > 0, slope * dy otherwise.
    public static func leakyReLUBackward(input x: [Float], outputGradient dy: [Float], slope: Float) -> [Float] {
        zip(x, dy).map { $0 > 0 ? $1 : slope * $1 }
    }

    /// 1 / (1 + exp(-x)), in Double.
    public static func sigmoid(_ x: [Float]) -> [Float] { x.map { Float(1 / (1 + Foundation.exp(-Double($0)))) } }

    /// dy * y * (1 - y)
    public static func sigmoidBackward(output y: [Float], outputGradient dy: [Float]) -> [Float] {
        zip(y, dy).map { $1 * $0 * (1 - $0) }
    }

    /// tanh(x), in Double.
    public static func tanh(_ x: [Float]) -> [Float] { x.map { Float(Foundation.tanh(Double($0))) } }

    /// dy * (1 - y^2)
    public static func tanhBackward(output y: [Float], outputGradient dy: [Float]) -> [Float] {
        zip(y, dy).map { $1 * (1 - $0 * $0) }
    }

    /// Softmax over rows of length `columns`.
    public static func softmax(_ x: [Float], columns: Int) -> [Float] {
        stride(from: 0, to: x.count, by: columns).flatMap { start -> [Float] in
            let row = x[start..<start + columns].map(Double.init)
            let largest = row.max() ?? 0
            let exps = row.map { Foundation.exp($0 - largest) }
            let total = exps.reduce(0, +)
            return exps.map { Float($0 / total) }
        }
    }

    /// y * (dy - sum(dy * y)) per row of length `columns`.
    public static func softmaxBackward(output y: [Float], outputGradient dy: [Float], columns: Int) -> [Float] {
        stride(from: 0, to: y.count, by: columns).flatMap { start -> [Float] in
            let range = start..<start + columns
            let dot = range.reduce(0.0) { $0 + Double(y[$1]) * Double(dy[$1]) }
            return range.map { Float(Double(y[$0]) * (Double(dy[$0]) - dot)) }
        }
    }
}
