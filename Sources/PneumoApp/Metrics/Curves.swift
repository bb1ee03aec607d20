/// One operating point of a ROC curve.
public struct ROCPoint: Codable, Equatable, Sendable {
    /// Fraction of negatives called positive.
    public var falsePositiveRate: Double
    /// Fraction of positives called positive (sensitivity).
    public var truePositiveRate: Double
    /// Scores at or above this are called positive; nil for the starting point where none is.
    public var threshold: Double?

    /// Creates a point.
    public init(falsePositiveRate: Double, truePositiveRate: Double, threshold: Double?) {
        self.falsePositiveRate = falsePositiveRate
        self.truePositiveRate = truePositiveRate
        self.threshold = threshold
    }
}

/// One operating point of a precision-recall curve.
public struct PRPoint: Codable, Equatable, Sendable {
    /// Fraction of positives found.
    public var recall: Double
    /// Fraction of predicted positives that are positive.
    public var precision: Double
    /// Scores at or above this are called positive; nil for the starting point (recall 0, precision 1).
    public var threshold: Double?

    /// Creates a point.
    public init(recall: Double, precision: Double, threshold: Double?) {
        self.recall = recall
        self.precision = precision
        self.threshold = threshold
    }
}

/// ROC and precision-recall curves, one point per distinct score, highest threshold first.
public enum Curves {
    /// The ROC curve from (0, 0) to (1, 1); nil when a class is absent.
    ///
    /// With `dropCollinear`, points in the middle of a straight horizontal or vertical run are
    /// left out: the drawn curve and its area are unchanged, the point list gets much shorter.
    public static func roc<Score: BinaryFloatingPoint>(
        labels: [Int], scores: [Score], dropCollinear: Bool = false
    ) throws -> [ROCPoint]? {
        let values = try MetricsInput.binary(labels: labels, scores: scores, probabilities: false, what: "a ROC curve")
        return roc(tally: ScoreRanking(labels: labels, scores: values).tally(), dropCollinear: dropCollinear)
    }

    /// The precision-recall curve starting at (recall 0, precision 1); nil without positives.
    public static func precisionRecall<Score: BinaryFloatingPoint>(labels: [Int], scores: [Score]) throws -> [PRPoint]? {
        let values = try MetricsInput.binary(labels: labels, scores: scores, probabilities: false, what: "a precision-recall curve")
        return precisionRecall(tally: ScoreRanking(labels: labels, scores: values).tally())
    }

    static func roc(tally: GroupTally, dropCollinear: Bool) -> [ROCPoint]? {
        guard tally.totalPositives > 0, tally.totalNegatives > 0 else { return nil }
        var points = [ROCPoint(falsePositiveRate: 0, truePositiveRate: 0, threshold: nil)]
        var truePositives = 0, falsePositives = 0
        for group in tally.scores.indices {
            truePositives += tally.positives[group]
            falsePositives += tally.negatives[group]
            points.append(ROCPoint(
                falsePositiveRate: Double(falsePositives) / Double(tally.totalNegatives),
                truePositiveRate: Double(truePositives) / Double(tally.totalPositives),
                threshold: tally.scores[group]))
        }
        return dropCollinear ? withoutCollinear(points) : points
    }

    static func precisionRecall(tally: GroupTally) -> [PRPoint]? {
        guard tally.totalPositives > 0 else { return nil }
        var points = [PRPoint(recall: 0, precision: 1, threshold: nil)]
        var truePositives = 0, predicted = 0
        for group in tally.scores.indices {
            truePositives += tally.positives[group]
            predicted += tally.positives[group] + tally.negatives[group]
            points.append(PRPoint(
                recall: Double(truePositives) / Double(tally.totalPositives),
                precision: Double(truePositives) / Double(predicted),
                threshold: tally.scores[group]))
        }
        return points
    }

    private static func withoutCollinear(_ points: [ROCPoint]) -> [ROCPoint] {
        guard points.count > 2 else { return points }
        var kept = [points[0]]
        for index in 1..<(points.count - 1) {
            let before = points[index - 1], point = points[index], after = points[index + 1]
            let vertical = before.falsePositiveRate == point.falsePositiveRate && point.falsePositiveRate == after.falsePositiveRate
            let horizontal = before.truePositiveRate == point.truePositiveRate && point.truePositiveRate == after.truePositiveRate
            if !vertical && !horizontal { kept.append(point) }
        }
        kept.append(points[points.count - 1])
        return kept
    }
}
