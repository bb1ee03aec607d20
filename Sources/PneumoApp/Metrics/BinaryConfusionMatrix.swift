/// Counts of a two-class decision; class 1 is the positive class (the finding).
///
/// Ratios whose denominator is zero are 0, the convention scikit-learn uses, so that a model
/// that never predicts the positive class scores 0 precision rather than an undefined value.
public struct BinaryConfusionMatrix: Codable, Equatable, Sendable {
    /// Positives predicted positive.
    public var truePositives: Int
    /// Negatives predicted positive.
    public var falsePositives: Int
    /// Negatives predicted negative.
    public var trueNegatives: Int
    /// Positives predicted negative.
    public var falseNegatives: Int

    /// Creates a matrix from its four counts.
    public init(truePositives: Int, falsePositives: Int, trueNegatives: Int, falseNegatives: Int) {
        self.truePositives = truePositives
        self.falsePositives = falsePositives
        self.trueNegatives = trueNegatives
        self.falseNegatives = falseNegatives
    }

    /// Counts the decisions `score >= threshold` against `labels` (1 positive, 0 negative).
    public static func count<Score: BinaryFloatingPoint>(
        labels: [Int], scores: [Score], threshold: Double
    ) throws -> BinaryConfusionMatrix {
        let values = try MetricsInput.binary(labels: labels, scores: scores, probabilities: false, what: "a confusion matrix")
        var matrix = BinaryConfusionMatrix(truePositives: 0, falsePositives: 0, trueNegatives: 0, falseNegatives: 0)
        for (label, score) in zip(labels, values) {
            switch (label == 1, score >= threshold) {
            case (true, true): matrix.truePositives += 1
            case (true, false): matrix.falseNegatives += 1
            case (false, true): matrix.falsePositives += 1
            case (false, false): matrix.trueNegatives += 1
            }
        }
        return matrix
    }

    /// All samples.
    public var total: Int { truePositives + falsePositives + trueNegatives + falseNegatives }
    /// Samples whose label is positive.
    public var positives: Int { truePositives + falseNegatives }
    /// Samples whose label is negative.
    public var negatives: Int { trueNegatives + falsePositives }

    /// Fraction of samples classified correctly.
    public var accuracy: Double { ratio(truePositives + trueNegatives, total) }
    /// Of the samples called positive, the fraction that are.
    public var precision: Double { ratio(truePositives, truePositives + falsePositives) }
    /// Sensitivity: of the positive samples, the fraction found.
    public var recall: Double { ratio(truePositives, positives) }
    /// Of the negative samples, the fraction called negative.
    public var specificity: Double { ratio(trueNegatives, negatives) }
    /// Harmonic mean of precision and recall.
    public var f1: Double { ratio(2 * truePositives, 2 * truePositives + falsePositives + falseNegatives) }

    private func ratio(_ numerator: Int, _ denominator: Int) -> Double {
        denominator == 0 ? 0 : Double(numerator) / Double(denominator)
    }
}
