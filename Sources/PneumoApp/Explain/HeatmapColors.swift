/// The colour ramp heatmaps are drawn with: deep blue for little weight, through cyan and
/// yellow, to red for the most. Stops are interpolated linearly in sRGB.
public enum HeatmapColors {
    /// (position in [0, 1], red, green, blue), ascending.
    static let stops: [(position: Float, red: Float, green: Float, blue: Float)] = [
        (0.00, 38, 60, 160),
        (0.25, 32, 150, 205),
        (0.50, 250, 220, 65),
        (0.75, 245, 125, 30),
        (1.00, 200, 20, 30),
    ]

    /// The colour for `value`, clamped to [0, 1]; NaN counts as 0.
    public static func color(_ value: Float) -> (red: UInt8, green: UInt8, blue: UInt8) {
        let t = value.isNaN ? 0 : min(max(value, 0), 1)
        var upper = 1
        while upper < stops.count - 1, stops[upper].position < t { upper += 1 }
        let low = stops[upper - 1], high = stops[upper]
        let f = (t - low.position) / (high.position - low.position)
        func mix(_ a: Float, _ b: Float) -> UInt8 { UInt8((a + (b - a) * f).rounded()) }
        return (mix(low.red, high.red), mix(low.green, high.green), mix(low.blue, high.blue))
    }
}
