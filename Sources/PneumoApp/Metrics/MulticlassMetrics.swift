import Foundation

/// Precision, recall and F1 of one class against the rest.
public struct ClassMetrics: Codable, Equatable, Sendable {
    /// The class name.
    public var name: String
    /// Of samples predicted as this class, the fraction that are.
    public var precision: Double
    /// Of samples of this class, the fraction predicted as it.
    public var recall: Double
    /// Harmonic mean of precision and recall.
    public var f1: Double
    /// Number of samples of this class.
    public var support: Int
}

/// Metrics of a classifier over any number of classes (the three-class set: normal, bacterial, viral).
///
/// Ratios with a zero denominator are 0; macro averages are plain means over classes, and the
/// macro F1 is the mean of the per-class F1 scores (scikit-learn's definition).
public struct MulticlassMetrics: Codable, Equatable, Sendable {
    /// Class names, in class-index order.
    public var classNames: [String]
    /// Number of samples.
    public var count: Int
    /// Fraction classified correctly.
    public var accuracy: Double
    /// `confusion[true class][predicted class]` counts.
    public var confusion: [[Int]]
    /// Per-class precision, recall and F1.
    public var perClass: [ClassMetrics]
    /// Mean of the per-class precisions.
    public var macroPrecision: Double
    /// Mean of the per-class recalls.
    public var macroRecall: Double
    /// Mean of the per-class F1 scores.
    public var macroF1: Double
    /// Mean cross-entropy, when probabilities were given.
    public var logLoss: Double?

    /// Computes the metrics from true and predicted class indices.
    public static func compute(labels: [Int], predictions: [Int], classNames: [String]) throws -> MulticlassMetrics {
        try validate(labels: labels, predictionCount: predictions.count, classNames: classNames)
        try MetricsInput.checkLabels(predictions, classCount: classNames.count)
        return MulticlassMetrics(
            confusion: confusionMatrix(labels: labels, predictions: predictions, weights: nil, classCount: classNames.count),
            classNames: classNames, logLoss: nil)
    }

    /// Computes the metrics from true classes and row-major `count x classNames.count` probabilities;
    /// the prediction is the most probable class (the lowest index among ties).
    public static func compute<Probability: BinaryFloatingPoint>(
        labels: [Int], probabilities: [Probability], classNames: [String]
    ) throws -> MulticlassMetrics {
        let table = try ProbabilityTable(labels: labels, probabilities: probabilities, classNames: classNames)
        let confusion = confusionMatrix(labels: labels, predictions: table.predictions, weights: nil, classCount: classNames.count)
        return MulticlassMetrics(
            confusion: confusion, classNames: classNames,
            logLoss: table.sampleLosses.reduce(0, +) / Double(labels.count))
    }

    /// Derives every metric from a confusion matrix.
    init(confusion: [[Int]], classNames: [String], logLoss: Double?) {
        let classCount = classNames.count
        let total = confusion.reduce(0) { $0 + $1.reduce(0, +) }
        let correct = (0..<classCount).reduce(0) { $0 + confusion[$1][$1] }
        func ratio(_ numerator: Int, _ denominator: Int) -> Double {
            denominator == 0 ? 0 : Double(numerator) / Double(denominator)
        }
        perClass = (0..<classCount).map { index in
            let truePositives = confusion[index][index]
            let support = confusion[index].reduce(0, +)
            let predicted = (0..<classCount).reduce(0) { $0 + confusion[$1][index] }
            return ClassMetrics(
                name: classNames[index], precision: ratio(truePositives, predicted), recall: ratio(truePositives, support),
                f1: ratio(2 * truePositives, support + predicted), support: support)
        }
        self.classNames = classNames
        self.confusion = confusion
        self.logLoss = logLoss
        count = total
        accuracy = ratio(correct, total)
        macroPrecision = perClass.map(\.precision).reduce(0, +) / Double(classCount)
        macroRecall = perClass.map(\.recall).reduce(0, +) / Double(classCount)
        macroF1 = perClass.map(\.f1).reduce(0, +) / Double(classCount)
    }

    static func validate(labels: [Int], predictionCount: Int, classNames: [String]) throws {
        guard classNames.count >= 2 else {
            throw MetricsError.invalidOption("at least 2 class names are needed, got \(classNames.count)")
        }
        guard labels.count == predictionCount else {
            throw MetricsError.countMismatch(labels: labels.count, predictions: predictionCount)
        }
        guard !labels.isEmpty else { throw MetricsError.empty("multiclass metrics") }
        try MetricsInput.checkLabels(labels, classCount: classNames.count)
    }

    static func confusionMatrix(labels: [Int], predictions: [Int], weights: [Int]?, classCount: Int) -> [[Int]] {
        var matrix = [[Int]](repeating: [Int](repeating: 0, count: classCount), count: classCount)
        for index in labels.indices {
            matrix[labels[index]][predictions[index]] += weights?[index] ?? 1
        }
        return matrix
    }
}

/// Validated class probabilities with each sample's predicted class and cross-entropy.
struct ProbabilityTable {
    let predictions: [Int]
    let sampleLosses: [Double]

    init<Probability: BinaryFloatingPoint>(labels: [Int], probabilities: [Probability], classNames: [String]) throws {
        let classCount = classNames.count
        guard classCount >= 2 else {
            throw MetricsError.invalidOption("at least 2 class names are needed, got \(classCount)")
        }
        guard probabilities.count == labels.count * classCount else {
            throw MetricsError.invalidOption(
                "expected \(labels.count) x \(classCount) = \(labels.count * classCount) probabilities (one row per label), got \(probabilities.count)")
        }
        try MulticlassMetrics.validate(labels: labels, predictionCount: labels.count, classNames: classNames)
        var predictions = [Int](), losses = [Double]()
        predictions.reserveCapacity(labels.count)
        losses.reserveCapacity(labels.count)
        for row in labels.indices {
            var best = 0, bestValue = -Double.infinity, sum = 0.0
            for column in 0..<classCount {
                let index = row * classCount + column
                let value = Double(probabilities[index])
                guard value.isFinite, (0...1).contains(value) else {
                    throw MetricsError.invalidScore(index: index, value: value, expected: "a probability in [0, 1]")
                }
                sum += value
                if value > bestValue { best = column; bestValue = value }
            }
            // Softmax outputs in float32 sum to 1 within about 1e-6; logits would not.
            guard abs(sum - 1) <= 1e-3 else {
                throw MetricsError.invalidOption("probabilities of sample \(row) sum to \(sum), not 1; pass softmax outputs, not logits")
            }
            predictions.append(best)
            let truth = min(max(Double(probabilities[row * classCount + labels[row]]), 1e-7), 1)
            losses.append(-log(truth))
        }
        self.predictions = predictions
        self.sampleLosses = losses
    }
}
