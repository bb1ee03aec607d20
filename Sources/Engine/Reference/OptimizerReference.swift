import Foundation

/// Plain-Swift optimizer updates, written from torch.optim's update rules: the oracle for
/// `optimizer.cl`. Each updates one parameter array and its state in place; `decay` is the
/// coupled L2 coefficient (0 for parameters that do not decay).
public enum OptimizerReference {
    /// torch.optim.SGD, dampening 0. `buffer` is nil without momentum; an empty one is created on the first step.
    public static func sgdStep(
        _ p: inout [Float], gradient g: [Float], buffer: inout [Float]?, learningRate lr: Float, momentum: Float,
        nesterov: Bool, decay: Float
    ) {
        for i in p.indices {
            var d = g[i] + decay * p[i]
            if momentum > 0 {
                let previous = buffer?[i]
                let b = previous.map { momentum * $0 + d } ?? d
                if buffer == nil { buffer = [Float](repeating: 0, count: p.count) }
                buffer?[i] = b
                d = nesterov ? d + momentum * b : b
            }
            p[i] -= lr * d
        }
    }

    /// torch.optim.Adam (coupled `decay`) or AdamW (`decoupledDecay`), at step `t` (from 1).
    public static func adamStep(
        _ p: inout [Float], gradient g: [Float], expAvg m: inout [Float], expAvgSq v: inout [Float], learningRate lr: Float,
        beta1: Float, beta2: Float, epsilon: Float, step t: Int, decay: Float, decoupledDecay: Float
    ) {
        let correction1 = 1 - pow(Double(beta1), Double(t))
        let correction2 = (1 - pow(Double(beta2), Double(t))).squareRoot()
        for i in p.indices {
            p[i] *= 1 - lr * decoupledDecay
            let d = Double(g[i]) + Double(decay) * Double(p[i])
            m[i] = Float(Double(beta1) * Double(m[i]) + (1 - Double(beta1)) * d)
            v[i] = Float(Double(beta2) * Double(v[i]) + (1 - Double(beta2)) * d * d)
            let denominator = Double(v[i]).squareRoot() / correction2 + Double(epsilon)
            p[i] = Float(Double(p[i]) - Double(lr) / correction1 * Double(m[i]) / denominator)
        }
    }

    /// torch.optim.RMSprop (not centred). `buffer` is used when momentum > 0.
    public static func rmspropStep(
        _ p: inout [Float], gradient g: [Float], squareAvg s: inout [Float], buffer: inout [Float], learningRate lr: Float,
        alpha: Float, epsilon: Float, momentum: Float, decay: Float
    ) {
        for i in p.indices {
            let d = Double(g[i]) + Double(decay) * Double(p[i])
            s[i] = Float(Double(alpha) * Double(s[i]) + (1 - Double(alpha)) * d * d)
            let average = Double(s[i]).squareRoot() + Double(epsilon)
            if momentum > 0 {
                buffer[i] = Float(Double(momentum) * Double(buffer[i]) + d / average)
                p[i] = Float(Double(p[i]) - Double(lr) * Double(buffer[i]))
            } else {
                p[i] = Float(Double(p[i]) - Double(lr) * d / average)
            }
        }
    }
}
