import Foundation

/// Draws from the symmetric Beta(alpha, alpha) distribution, the mixing weight of mixup and
/// CutMix, with a seeded generator (so a seed fixes every weight), in Double.
public enum BetaSampler {
    /// One draw in [0, 1]: X / (X + Y) for X, Y ~ Gamma(alpha), taken in logarithms, since for
    /// small alphas (0.1, 0.2) the gamma draws themselves underflow to 0.
    public static func symmetric(alpha: Double, generator: inout SeededGenerator) -> Double {
        precondition(alpha > 0 && alpha.isFinite, "Beta(alpha, alpha) needs a finite alpha > 0, got \(alpha)")
        let logX = logGammaVariate(shape: alpha, generator: &generator)
        let logY = logGammaVariate(shape: alpha, generator: &generator)
        return 1 / (1 + Foundation.exp(logY - logX))
    }

    /// The logarithm of a Gamma(shape, 1) draw: Marsaglia and Tsang (2000) for shape >= 1;
    /// below 1, Gamma(shape + 1) times U^(1 / shape), the power kept as a sum of logarithms.
    static func logGammaVariate(shape: Double, generator: inout SeededGenerator) -> Double {
        if shape < 1 {
            let boost = Foundation.log(openUnit(&generator)) / shape
            return logGammaVariate(shape: shape + 1, generator: &generator) + boost
        }
        let d = shape - 1.0 / 3, c = 1 / (9 * d).squareRoot()
        while true {
            var x = 0.0, v = 0.0
            repeat {
                x = normal(&generator)
                v = 1 + c * x
            } while v <= 0
            v = v * v * v
            let u = openUnit(&generator)
            if Foundation.log(u) < 0.5 * x * x + d - d * v + d * Foundation.log(v) { return Foundation.log(d * v) }
        }
    }

    /// Uniform in (0, 1) from 53 bits: never 0, so its logarithm is finite.
    private static func openUnit(_ generator: inout SeededGenerator) -> Double {
        (Double(generator.next() >> 11) + 0.5) * 0x1p-53
    }

    /// Standard normal by Box-Muller, in Double.
    private static func normal(_ generator: inout SeededGenerator) -> Double {
        let u1 = openUnit(&generator), u2 = openUnit(&generator)
        return (-2 * Foundation.log(u1)).squareRoot() * Foundation.cos(2 * Double.pi * u2)
    }
}
