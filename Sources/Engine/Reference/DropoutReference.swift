/// Plain-Swift dropout masks, bit for bit the ones `dropout.cl` draws.
public enum DropoutReference {
    private static let golden: UInt64 = 0x9E37_79B9_7F4A_7C15

    /// SplitMix64's finaliser.
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Whether element `index` survives call `step` under `seed` at the given rate.
    public static func keeps(seed: UInt64, step: UInt64, index: Int, rate: Float) -> Bool {
        let stream = mix(seed ^ mix(step &+ golden))
        let bits = mix(stream &+ UInt64(index) &* golden)
        return UInt32(truncatingIfNeeded: bits >> 40) >= DropoutOps.threshold(rate: rate)
    }

    /// x * mask / (1 - rate).
    public static func forward(_ x: [Float], rate: Float, seed: UInt64, step: UInt64) -> [Float] {
        let scale = DropoutOps.scale(rate: rate)
        return x.enumerated().map { index, value in
            keeps(seed: seed, step: step, index: index, rate: rate) ? value * scale : 0
        }
    }
}
