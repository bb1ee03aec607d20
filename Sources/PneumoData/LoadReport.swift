/// What loading an image set did: how many images, which were skipped and why, and whether
/// the cache was used.
public struct LoadReport: Sendable, CustomStringConvertible {
    public let requested: Int
    public let loaded: Int
    public let failures: [ImageLoadError]
    public let cache: CacheOutcome
    public let seconds: Double

    /// Skipped images per category ("truncated": 2, ...).
    public var failureCounts: [String: Int] {
        failures.reduce(into: [:]) { $0[$1.category, default: 0] += 1 }
    }

    public var description: String {
        var text = "\(loaded) of \(requested) images in \(String(format: "%.2f", seconds)) s, \(cache)"
        if !failures.isEmpty {
            let counts = failureCounts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
            text += "; skipped \(failures.count) (\(counts))"
            for failure in failures.prefix(10) { text += "\n  skipped \(failure)" }
            if failures.count > 10 { text += "\n  ... and \(failures.count - 10) more" }
        }
        return text
    }
}
