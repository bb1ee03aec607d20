import CTurboJPEG

/// A scaling factor num/denom that the JPEG decoder applies in its inverse DCT.
struct DCTScaling: Equatable {
    let numerator: Int
    let denominator: Int

    /// Scaled length, rounded up as TurboJPEG rounds it.
    func scaled(_ length: Int) -> Int { (length * numerator + denominator - 1) / denominator }

    /// Factors of at most 1 that TurboJPEG offers, smallest first.
    static let shrinkingFactors: [DCTScaling] = {
        var count: Int32 = 0
        guard let list = tjGetScalingFactors(&count) else { return [DCTScaling(numerator: 1, denominator: 1)] }
        let factors = (0..<Int(count)).map { DCTScaling(numerator: Int(list[$0].num), denominator: Int(list[$0].denom)) }
        let shrinking = factors.filter { $0.numerator <= $0.denominator }
        return shrinking.sorted { $0.numerator * $1.denominator < $1.numerator * $0.denominator }
    }()

    /// The smallest factor whose output is still at least the requested size in both
    /// directions (so the final resize only ever shrinks); 1/1 when the image is smaller.
    static func smallestFactor(width: Int, height: Int, atLeastWidth: Int, atLeastHeight: Int) -> DCTScaling {
        for factor in shrinkingFactors where factor.scaled(width) >= atLeastWidth && factor.scaled(height) >= atLeastHeight {
            return factor
        }
        return DCTScaling(numerator: 1, denominator: 1)
    }
}
