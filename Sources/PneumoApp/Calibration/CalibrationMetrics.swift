import Foundation

/// How far stated probabilities are from observed frequencies, on one set of images.
///
/// For two classes the stated number is P(positive), the figure a reader sees, and the bins
/// group images by it; for more classes, by the top class's probability (Guo et al. 2017).
public struct CalibrationMetrics: Codable, Equatable, Sendable {
    /// One bin of the reliability diagram.
    public struct Bin: Codable, Equatable, Sendable {
        /// The bin's probability range.
        public var lower: Double
        public var upper: Double
        /// Images in the bin.
        public var count: Int
        /// Mean stated probability of the bin's images.
        public var meanProbability: Double
        /// Share of the bin's images where the stated event happened.
        public var observedFrequency: Double
    }

    /// Expected calibration error: the count-weighted mean gap between stated and observed.
    public var expectedCalibrationError: Double
    /// Brier score: mean squared difference between the probabilities and the one-hot truth.
    public var brierScore: Double
    /// Mean negative log-likelihood.
    public var negativeLogLikelihood: Double
    /// The reliability diagram, empty bins included.
    public var bins: [Bin]

    /// The number of equal-width bins, as is usual for ECE.
    public static let binCount = 15

    /// Measures `probabilities` (one row per image, classes in order) against `labels`.
    public static func measure(labels: [Int], probabilities: [[Double]]) -> CalibrationMetrics {
        let classes = probabilities.first?.count ?? 2
        var sums = [Double](repeating: 0, count: binCount), hits = [Double](repeating: 0, count: binCount)
        var counts = [Int](repeating: 0, count: binCount)
        var brier = 0.0, nll = 0.0
        for (label, row) in zip(labels, probabilities) {
            let stated: Double, happened: Bool
            if classes == 2 {
                stated = row[1]
                happened = label == 1
            } else {
                let top = row.indices.max { row[$0] < row[$1] } ?? 0
                stated = row[top]
                happened = label == top
            }
            let bin = min(binCount - 1, max(0, Int(stated * Double(binCount))))
            counts[bin] += 1
            sums[bin] += stated
            if happened { hits[bin] += 1 }
            for (index, p) in row.enumerated() { brier += (p - (index == label ? 1 : 0)) * (p - (index == label ? 1 : 0)) }
            nll -= log(max(row[label], 1e-15))
        }
        let total = Double(max(1, labels.count))
        var ece = 0.0
        let bins = (0..<binCount).map { index -> Bin in
            let count = counts[index]
            let mean = count > 0 ? sums[index] / Double(count) : 0
            let observed = count > 0 ? hits[index] / Double(count) : 0
            ece += Double(count) / total * abs(mean - observed)
            return Bin(lower: Double(index) / Double(binCount), upper: Double(index + 1) / Double(binCount),
                       count: count, meanProbability: mean, observedFrequency: observed)
        }
        // Two-class Brier scores are usually quoted on the positive class alone: half the sum over both.
        let brierScore = classes == 2 ? brier / total / 2 : brier / total
        return CalibrationMetrics(expectedCalibrationError: ece, brierScore: brierScore, negativeLogLikelihood: nll / total, bins: bins)
    }
}
