/// Bootstrap intervals of one class's precision, recall and F1.
public struct ClassIntervals: Codable, Equatable, Sendable {
    /// The class name.
    public var name: String
    /// Interval of the precision.
    public var precision: ConfidenceInterval?
    /// Interval of the recall.
    public var recall: ConfidenceInterval?
    /// Interval of the F1 score.
    public var f1: ConfidenceInterval?
}

/// Bootstrap confidence intervals of the multiclass metrics.
public struct MulticlassIntervals: Codable, Equatable, Sendable {
    /// The options the intervals were computed with.
    public var options: BootstrapOptions
    /// Interval of the accuracy.
    public var accuracy: ConfidenceInterval?
    /// Interval of the macro precision.
    public var macroPrecision: ConfidenceInterval?
    /// Interval of the macro recall.
    public var macroRecall: ConfidenceInterval?
    /// Interval of the macro F1.
    public var macroF1: ConfidenceInterval?
    /// Interval of the log loss.
    public var logLoss: ConfidenceInterval?
    /// Per-class intervals, in class-index order.
    public var perClass: [ClassIntervals]

    /// Resamples the samples and takes percentile intervals; probabilities are row-major, one row per label.
    public static func compute<Probability: BinaryFloatingPoint>(
        labels: [Int], probabilities: [Probability], classNames: [String], options: BootstrapOptions = BootstrapOptions()
    ) throws -> MulticlassIntervals {
        try options.validate()
        let table = try ProbabilityTable(labels: labels, probabilities: probabilities, classNames: classNames)
        return compute(labels: labels, table: table, classNames: classNames, options: options)
    }

    static func compute(labels: [Int], table: ProbabilityTable, classNames: [String], options: BootstrapOptions) -> MulticlassIntervals {
        let classCount = classNames.count
        var resampler = Resampler(count: labels.count, seed: options.seed)
        var summary = [MetricSamples](repeating: MetricSamples(), count: 5)
        var perClass = [[MetricSamples]](repeating: [MetricSamples](repeating: MetricSamples(), count: 3), count: classCount)
        for _ in 0..<options.resamples {
            let weights = resampler.nextWeights()
            let confusion = MulticlassMetrics.confusionMatrix(
                labels: labels, predictions: table.predictions, weights: weights, classCount: classCount)
            var loss = 0.0
            for index in labels.indices where weights[index] > 0 { loss += Double(weights[index]) * table.sampleLosses[index] }
            let metrics = MulticlassMetrics(confusion: confusion, classNames: classNames, logLoss: loss / Double(labels.count))
            summary[0].add(metrics.accuracy)
            summary[1].add(metrics.macroPrecision)
            summary[2].add(metrics.macroRecall)
            summary[3].add(metrics.macroF1)
            summary[4].add(metrics.logLoss)
            for (index, classMetrics) in metrics.perClass.enumerated() {
                perClass[index][0].add(classMetrics.precision)
                perClass[index][1].add(classMetrics.recall)
                perClass[index][2].add(classMetrics.f1)
            }
        }
        let level = options.level
        return MulticlassIntervals(
            options: options, accuracy: summary[0].interval(level: level),
            macroPrecision: summary[1].interval(level: level), macroRecall: summary[2].interval(level: level),
            macroF1: summary[3].interval(level: level), logLoss: summary[4].interval(level: level),
            perClass: classNames.indices.map { index in
                ClassIntervals(
                    name: classNames[index], precision: perClass[index][0].interval(level: level),
                    recall: perClass[index][1].interval(level: level), f1: perClass[index][2].interval(level: level))
            })
    }
}
