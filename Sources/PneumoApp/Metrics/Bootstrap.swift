import Engine

/// How a bootstrap confidence interval is computed.
public struct BootstrapOptions: Codable, Equatable, Sendable {
    /// Number of resamples (each as large as the data, drawn with replacement).
    public var resamples: Int
    /// Coverage of the interval, e.g. 0.95.
    public var level: Double
    /// Seed of the resampling, so the same data always gives the same interval.
    public var seed: UInt64

    /// Creates options; the defaults are 1000 resamples at 95%, seed 0.
    public init(resamples: Int = 1000, level: Double = 0.95, seed: UInt64 = 0) {
        self.resamples = resamples
        self.level = level
        self.seed = seed
    }

    func validate() throws {
        guard resamples >= 1 else {
            throw MetricsError.invalidOption("bootstrap needs at least 1 resample, got \(resamples)")
        }
        guard level > 0, level < 1 else {
            throw MetricsError.invalidOption("bootstrap level must lie strictly between 0 and 1, got \(level)")
        }
    }
}

/// A percentile bootstrap interval.
public struct ConfidenceInterval: Codable, Equatable, Sendable {
    /// Lower bound.
    public var lower: Double
    /// Upper bound.
    public var upper: Double
    /// Resamples in which the metric was defined (an AUC is not when a resample lacks a class).
    public var resamples: Int

    /// Creates an interval.
    public init(lower: Double, upper: Double, resamples: Int) {
        self.lower = lower
        self.upper = upper
        self.resamples = resamples
    }

    /// The percentile interval of `values` at `level`, with linear interpolation between order
    /// statistics (NumPy's default quantile rule); nil when there are no values.
    public static func percentile(of values: [Double], level: Double) -> ConfidenceInterval? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let tail = (1 - level) / 2
        return ConfidenceInterval(
            lower: quantile(sorted, tail), upper: quantile(sorted, 1 - tail), resamples: values.count)
    }

    private static func quantile(_ sorted: [Double], _ probability: Double) -> Double {
        let position = probability * Double(sorted.count - 1)
        let below = Int(position.rounded(.down))
        let above = min(below + 1, sorted.count - 1)
        let fraction = position - Double(below)
        return sorted[below] + (sorted[above] - sorted[below]) * fraction
    }
}

/// Draws bootstrap resamples as per-sample multiplicities, deterministically from a seed.
struct Resampler {
    private var generator: SeededGenerator
    private let count: Int

    init(count: Int, seed: UInt64) {
        generator = SeededGenerator(seed: seed)
        self.count = count
    }

    /// How many times each sample appears in the next resample of `count` draws.
    mutating func nextWeights() -> [Int] {
        var weights = [Int](repeating: 0, count: count)
        for _ in 0..<count {
            // Multiply-high maps 64 random bits onto 0..<count with negligible bias.
            let index = Int(truncatingIfNeeded: generator.next().multipliedFullWidth(by: UInt64(count)).high)
            weights[index] += 1
        }
        return weights
    }
}

/// Collects one metric's values across resamples, skipping resamples where it is undefined.
struct MetricSamples {
    private(set) var values: [Double] = []

    mutating func add(_ value: Double?) {
        if let value, value.isFinite { values.append(value) }
    }

    func interval(level: Double) -> ConfidenceInterval? {
        ConfidenceInterval.percentile(of: values, level: level)
    }
}
