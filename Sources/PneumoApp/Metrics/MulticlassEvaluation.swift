/// Everything the evaluation of a multiclass classifier reports: metrics and intervals.
public struct MulticlassEvaluation: Codable, Equatable, Sendable {
    /// Point estimates.
    public var metrics: MulticlassMetrics
    /// Bootstrap intervals, when requested.
    public var intervals: MulticlassIntervals?

    /// Evaluates row-major class probabilities (one row per label) with bootstrap intervals
    /// unless `bootstrap` is nil.
    public static func evaluate<Probability: BinaryFloatingPoint>(
        labels: [Int], probabilities: [Probability], classNames: [String],
        bootstrap: BootstrapOptions? = BootstrapOptions()
    ) throws -> MulticlassEvaluation {
        try bootstrap?.validate()
        let table = try ProbabilityTable(labels: labels, probabilities: probabilities, classNames: classNames)
        let confusion = MulticlassMetrics.confusionMatrix(
            labels: labels, predictions: table.predictions, weights: nil, classCount: classNames.count)
        return MulticlassEvaluation(
            metrics: MulticlassMetrics(
                confusion: confusion, classNames: classNames,
                logLoss: table.sampleLosses.reduce(0, +) / Double(labels.count)),
            intervals: bootstrap.map {
                MulticlassIntervals.compute(labels: labels, table: table, classNames: classNames, options: $0)
            })
    }

    /// Summary rows: accuracy, macro averages, log loss, then each class's precision, recall and F1.
    public var rows: [MetricRow] {
        var rows = [
            MetricRow(name: "Accuracy", value: metrics.accuracy, interval: intervals?.accuracy),
            MetricRow(name: "Macro precision", value: metrics.macroPrecision, interval: intervals?.macroPrecision),
            MetricRow(name: "Macro recall", value: metrics.macroRecall, interval: intervals?.macroRecall),
            MetricRow(name: "Macro F1", value: metrics.macroF1, interval: intervals?.macroF1),
            MetricRow(name: "Log loss", value: metrics.logLoss, interval: intervals?.logLoss),
        ]
        for (index, classMetrics) in metrics.perClass.enumerated() {
            let classIntervals = intervals?.perClass[index]
            rows.append(MetricRow(name: "\(classMetrics.name) precision", value: classMetrics.precision, interval: classIntervals?.precision))
            rows.append(MetricRow(name: "\(classMetrics.name) recall", value: classMetrics.recall, interval: classIntervals?.recall))
            rows.append(MetricRow(name: "\(classMetrics.name) F1", value: classMetrics.f1, interval: classIntervals?.f1))
        }
        return rows
    }
}
