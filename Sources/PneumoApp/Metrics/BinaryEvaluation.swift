/// Everything the evaluation of a binary classifier reports: metrics, intervals and curves.
public struct BinaryEvaluation: Codable, Equatable, Sendable {
    /// Point estimates at the decision threshold.
    public var metrics: BinaryMetrics
    /// Bootstrap intervals, when requested.
    public var intervals: BinaryIntervals?
    /// ROC curve (collinear points dropped); nil when a class is absent.
    public var roc: [ROCPoint]?
    /// Precision-recall curve; nil without positives.
    public var precisionRecall: [PRPoint]?

    /// Evaluates positive-class probabilities against labels at `threshold`, with bootstrap
    /// intervals unless `bootstrap` is nil.
    public static func evaluate<Probability: BinaryFloatingPoint>(
        labels: [Int], probabilities: [Probability], threshold: Double = 0.5,
        bootstrap: BootstrapOptions? = BootstrapOptions()
    ) throws -> BinaryEvaluation {
        try BinaryMetrics.checkThreshold(threshold)
        try bootstrap?.validate()
        let scores = try MetricsInput.binary(labels: labels, scores: probabilities, probabilities: true, what: "an evaluation")
        let ranking = ScoreRanking(labels: labels, scores: scores)
        let tally = ranking.tally()
        return BinaryEvaluation(
            metrics: BinaryMetrics(tally: tally, groupsPredictedPositive: ranking.groupsAtOrAbove(threshold), threshold: threshold),
            intervals: bootstrap.map { BinaryIntervals.compute(ranking: ranking, threshold: threshold, options: $0) },
            roc: Curves.roc(tally: tally, dropCollinear: true),
            precisionRecall: Curves.precisionRecall(tally: tally))
    }

    /// The metrics and their intervals as table rows, in a fixed reading order.
    public var rows: [MetricRow] {
        let confusion = metrics.confusion
        return [
            MetricRow(name: "Accuracy", value: metrics.accuracy, interval: intervals?.accuracy),
            MetricRow(name: "Precision", value: metrics.precision, interval: intervals?.precision),
            // Undefined on a one-class split: shown as n/a, never as 0 with a [0, 0] interval.
            MetricRow(name: "Recall (sensitivity)", value: metrics.recallIfDefined,
                      interval: metrics.recallIfDefined == nil ? nil : intervals?.recall),
            MetricRow(name: "Specificity", value: metrics.specificityIfDefined,
                      interval: metrics.specificityIfDefined == nil ? nil : intervals?.specificity),
            MetricRow(name: "F1", value: metrics.f1, interval: intervals?.f1),
            MetricRow(name: "ROC AUC", value: metrics.rocAUC, interval: intervals?.rocAUC),
            MetricRow(name: "PR AUC (average precision)", value: metrics.prAUC, interval: intervals?.prAUC),
            MetricRow(name: "Log loss", value: metrics.logLoss, interval: intervals?.logLoss),
            MetricRow(name: "True positives", value: Double(confusion.truePositives), interval: intervals?.truePositives, isCount: true),
            MetricRow(name: "False positives", value: Double(confusion.falsePositives), interval: intervals?.falsePositives, isCount: true),
            MetricRow(name: "True negatives", value: Double(confusion.trueNegatives), interval: intervals?.trueNegatives, isCount: true),
            MetricRow(name: "False negatives", value: Double(confusion.falseNegatives), interval: intervals?.falseNegatives, isCount: true),
        ]
    }
}
