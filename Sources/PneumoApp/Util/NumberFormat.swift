import Foundation

/// Fixed-point number formatting that never prints "nan" or "inf" to a user.
public enum NumberFormat {
    /// `value` with `digits` decimals, or `placeholder` when it is not finite.
    public static func fixed(_ value: Double, _ digits: Int, placeholder: String = "n/a") -> String {
        guard value.isFinite else { return placeholder }
        return String(format: "%.\(max(0, digits))f", value)
    }

    /// A fraction in [0, 1] as a percentage with `digits` decimals, e.g. "93.4%".
    public static func percent(_ fraction: Double, _ digits: Int = 1, placeholder: String = "n/a") -> String {
        guard fraction.isFinite else { return placeholder }
        return String(format: "%.\(max(0, digits))f%%", fraction * 100)
    }
}
