/// Bootstrap confidence intervals for every binary metric at a fixed threshold.
public struct BinaryIntervals: Codable, Equatable, Sendable {
    /// The options the intervals were computed with.
    public var options: BootstrapOptions
    /// Interval of the accuracy.
    public var accuracy: ConfidenceInterval?
    /// Interval of the precision.
    public var precision: ConfidenceInterval?
    /// Interval of the recall (sensitivity), over the resamples holding a positive.
    public var recall: ConfidenceInterval?
    /// Interval of the specificity, over the resamples holding a negative.
    public var specificity: ConfidenceInterval?
    /// Interval of the F1 score.
    public var f1: ConfidenceInterval?
    /// Interval of the ROC AUC, over the resamples holding both classes.
    public var rocAUC: ConfidenceInterval?
    /// Interval of the average precision, over the resamples holding a positive.
    public var prAUC: ConfidenceInterval?
    /// Interval of the log loss.
    public var logLoss: ConfidenceInterval?
    /// Interval of the true-positive count.
    public var truePositives: ConfidenceInterval?
    /// Interval of the false-positive count.
    public var falsePositives: ConfidenceInterval?
    /// Interval of the true-negative count.
    public var trueNegatives: ConfidenceInterval?
    /// Interval of the false-negative count.
    public var falseNegatives: ConfidenceInterval?

    /// Resamples the samples `options.resamples` times and takes percentile intervals.
    public static func compute<Probability: BinaryFloatingPoint>(
        labels: [Int], probabilities: [Probability], threshold: Double, options: BootstrapOptions = BootstrapOptions()
    ) throws -> BinaryIntervals {
        try options.validate()
        try BinaryMetrics.checkThreshold(threshold)
        let scores = try MetricsInput.binary(labels: labels, scores: probabilities, probabilities: true, what: "bootstrap intervals")
        return compute(ranking: ScoreRanking(labels: labels, scores: scores), threshold: threshold, options: options)
    }

    static func compute(ranking: ScoreRanking, threshold: Double, options: BootstrapOptions) -> BinaryIntervals {
        let groupsPredictedPositive = ranking.groupsAtOrAbove(threshold)
        var resampler = Resampler(count: ranking.labels.count, seed: options.seed)
        var samples = [MetricSamples](repeating: MetricSamples(), count: 12)
        for _ in 0..<options.resamples {
            let tally = ranking.tally(weights: resampler.nextWeights())
            let metrics = BinaryMetrics(tally: tally, groupsPredictedPositive: groupsPredictedPositive, threshold: threshold)
            let values: [Double?] = [
                metrics.accuracy, metrics.precision, metrics.recallIfDefined, metrics.specificityIfDefined, metrics.f1,
                metrics.rocAUC, metrics.prAUC, metrics.logLoss,
                Double(metrics.confusion.truePositives), Double(metrics.confusion.falsePositives),
                Double(metrics.confusion.trueNegatives), Double(metrics.confusion.falseNegatives),
            ]
            for (index, value) in values.enumerated() { samples[index].add(value) }
        }
        let intervals = samples.map { $0.interval(level: options.level) }
        return BinaryIntervals(
            options: options, accuracy: intervals[0], precision: intervals[1], recall: intervals[2],
            specificity: intervals[3], f1: intervals[4], rocAUC: intervals[5], prAUC: intervals[6],
            logLoss: intervals[7], truePositives: intervals[8], falsePositives: intervals[9],
            trueNegatives: intervals[10], falseNegatives: intervals[11])
    }
}
