/// Point estimates of every binary metric at one decision threshold.
///
/// A sample is predicted positive when its probability is at or above `threshold`. The AUCs
/// are nil when one class is absent, since they are undefined there.
public struct BinaryMetrics: Codable, Equatable, Sendable {
    /// The decision threshold the threshold-dependent metrics use.
    public var threshold: Double
    /// Number of samples.
    public var count: Int
    /// Number of positive samples.
    public var positives: Int
    /// Fraction classified correctly.
    public var accuracy: Double
    /// Of predicted positives, the fraction that are positive.
    public var precision: Double
    /// Sensitivity: of positives, the fraction predicted positive.
    public var recall: Double
    /// Of negatives, the fraction predicted negative.
    public var specificity: Double
    /// Harmonic mean of precision and recall.
    public var f1: Double
    /// Area under the ROC curve, exact, ties counted half.
    public var rocAUC: Double?
    /// Area under the precision-recall curve as average precision.
    public var prAUC: Double?
    /// Mean binary cross-entropy of the probabilities.
    public var logLoss: Double
    /// The counts behind the threshold-dependent metrics.
    public var confusion: BinaryConfusionMatrix

    /// Computes every metric from labels (1 positive, 0 negative) and positive-class probabilities.
    public static func compute<Probability: BinaryFloatingPoint>(
        labels: [Int], probabilities: [Probability], threshold: Double = 0.5
    ) throws -> BinaryMetrics {
        try checkThreshold(threshold)
        let scores = try MetricsInput.binary(labels: labels, scores: probabilities, probabilities: true, what: "binary metrics")
        let ranking = ScoreRanking(labels: labels, scores: scores)
        return BinaryMetrics(tally: ranking.tally(), groupsPredictedPositive: ranking.groupsAtOrAbove(threshold), threshold: threshold)
    }

    /// Derives every metric from grouped counts; shared with the bootstrap.
    init(tally: GroupTally, groupsPredictedPositive: Int, threshold: Double) {
        let confusion = tally.confusion(groupsPredictedPositive: groupsPredictedPositive)
        self.threshold = threshold
        count = confusion.total
        positives = confusion.positives
        accuracy = confusion.accuracy
        precision = confusion.precision
        recall = confusion.recall
        specificity = confusion.specificity
        f1 = confusion.f1
        rocAUC = tally.rocAUC()
        prAUC = tally.averagePrecision()
        logLoss = tally.logLoss()
        self.confusion = confusion
    }

    static func checkThreshold(_ threshold: Double) throws {
        guard threshold.isFinite else {
            throw MetricsError.invalidOption("decision threshold \(threshold) is not a finite number")
        }
    }

    /// The recall, nil when there is no positive sample to find (`recall` then reads 0).
    public var recallIfDefined: Double? { positives > 0 ? recall : nil }
    /// The specificity, nil when there is no negative sample (`specificity` then reads 0).
    public var specificityIfDefined: Double? { count > positives ? specificity : nil }

    private enum CodingKeys: String, CodingKey {
        case threshold, count, positives, accuracy, precision, recall, specificity, f1, rocAUC, prAUC, logLoss, confusion
    }

    /// Reads metrics; an undefined (null) recall or specificity reads as 0, as computed.
    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        threshold = try container.decode(Double.self, forKey: .threshold)
        count = try container.decode(Int.self, forKey: .count)
        positives = try container.decode(Int.self, forKey: .positives)
        accuracy = try container.decode(Double.self, forKey: .accuracy)
        precision = try container.decode(Double.self, forKey: .precision)
        recall = try container.decodeIfPresent(Double.self, forKey: .recall) ?? 0
        specificity = try container.decodeIfPresent(Double.self, forKey: .specificity) ?? 0
        f1 = try container.decode(Double.self, forKey: .f1)
        rocAUC = try container.decodeIfPresent(Double.self, forKey: .rocAUC)
        prAUC = try container.decodeIfPresent(Double.self, forKey: .prAUC)
        logLoss = try container.decode(Double.self, forKey: .logLoss)
        confusion = try container.decode(BinaryConfusionMatrix.self, forKey: .confusion)
    }

    /// Writes metrics; a recall or specificity undefined on this data is written as null, not 0.
    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(threshold, forKey: .threshold)
        try container.encode(count, forKey: .count)
        try container.encode(positives, forKey: .positives)
        try container.encode(accuracy, forKey: .accuracy)
        try container.encode(precision, forKey: .precision)
        try container.encode(recallIfDefined, forKey: .recall)
        try container.encode(specificityIfDefined, forKey: .specificity)
        try container.encode(f1, forKey: .f1)
        try container.encodeIfPresent(rocAUC, forKey: .rocAUC)
        try container.encodeIfPresent(prAUC, forKey: .prAUC)
        try container.encode(logLoss, forKey: .logLoss)
        try container.encode(confusion, forKey: .confusion)
    }
}

/// Area under the ROC curve on its own, for scores of any scale (probabilities or logits).
public enum RankMetrics {
    /// Exact ROC AUC (Mann-Whitney U over positives x negatives, ties half); nil if a class is absent.
    public static func rocAUC<Score: BinaryFloatingPoint>(labels: [Int], scores: [Score]) throws -> Double? {
        let values = try MetricsInput.binary(labels: labels, scores: scores, probabilities: false, what: "ROC AUC")
        return ScoreRanking(labels: labels, scores: values).tally().rocAUC()
    }

    /// Average precision (step-wise area under the precision-recall curve); nil without positives.
    public static func averagePrecision<Score: BinaryFloatingPoint>(labels: [Int], scores: [Score]) throws -> Double? {
        let values = try MetricsInput.binary(labels: labels, scores: scores, probabilities: false, what: "average precision")
        return ScoreRanking(labels: labels, scores: values).tally().averagePrecision()
    }
}
