/// Human-readable durations for logs, progress bars and reports.
public enum DurationFormat {
    /// A duration in words-like units: "850 ms", "12.3 s", "4m 05s", "1h 02m 03s"; "--" when unknown.
    public static func text(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "--" }
        if seconds < 0.9995 { return "\(Int((seconds * 1000).rounded())) ms" }
        if seconds < 59.95 { return "\(oneDecimal(seconds)) s" }
        let total = Int(seconds.rounded())
        let hours = total / 3600, minutes = (total % 3600) / 60, secs = total % 60
        if hours == 0 { return "\(minutes)m \(twoDigits(secs))s" }
        return "\(hours)h \(twoDigits(minutes))m \(twoDigits(secs))s"
    }

    /// A duration as a clock: "0:07", "12:34", "1:02:03"; "--:--" when unknown.
    public static func clock(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0, seconds < 1e9 else { return "--:--" }
        let total = Int(seconds.rounded())
        let hours = total / 3600, minutes = (total % 3600) / 60, secs = total % 60
        if hours == 0 { return "\(minutes):\(twoDigits(secs))" }
        return "\(hours):\(twoDigits(minutes)):\(twoDigits(secs))"
    }

    private static func twoDigits(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }

    private static func oneDecimal(_ value: Double) -> String {
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }
}
