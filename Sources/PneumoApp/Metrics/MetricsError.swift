/// Inputs that metrics cannot be computed from, with what is wrong and where.
public enum MetricsError: Error, CustomStringConvertible, Equatable {
    /// There are no samples at all.
    case empty(String)
    /// Labels and predictions differ in length.
    case countMismatch(labels: Int, predictions: Int)
    /// A label lies outside 0..<classCount.
    case invalidLabel(index: Int, value: Int, classCount: Int)
    /// A score or probability is NaN, infinite, or (for probabilities) outside [0, 1].
    case invalidScore(index: Int, value: Double, expected: String)
    /// The computation needs both classes present and one is missing.
    case missingClass(String)
    /// An option such as a threshold, a level or a class list is out of range.
    case invalidOption(String)

    public var description: String {
        switch self {
        case let .empty(what):
            return "no samples to compute \(what) from"
        case let .countMismatch(labels, predictions):
            return "\(labels) labels but \(predictions) predictions; there must be one prediction per label"
        case let .invalidLabel(index, value, classCount):
            return "label \(value) at index \(index) is not a class index in 0..<\(classCount)"
        case let .invalidScore(index, value, expected):
            return "score \(value) at index \(index) is not \(expected)"
        case let .missingClass(why):
            return why
        case let .invalidOption(why):
            return why
        }
    }
}

/// Shared input checks, so every metric rejects bad data the same way.
enum MetricsInput {
    /// Checks binary labels against scores and returns the scores as Double.
    static func binary<Score: BinaryFloatingPoint>(
        labels: [Int], scores: [Score], probabilities: Bool, what: String
    ) throws -> [Double] {
        guard labels.count == scores.count else {
            throw MetricsError.countMismatch(labels: labels.count, predictions: scores.count)
        }
        guard !labels.isEmpty else { throw MetricsError.empty(what) }
        try checkLabels(labels, classCount: 2)
        var converted = [Double]()
        converted.reserveCapacity(scores.count)
        for (index, score) in scores.enumerated() {
            let value = Double(score)
            guard value.isFinite else {
                throw MetricsError.invalidScore(index: index, value: value, expected: "a finite number")
            }
            if probabilities, !(0...1).contains(value) {
                throw MetricsError.invalidScore(index: index, value: value, expected: "a probability in [0, 1]")
            }
            converted.append(value)
        }
        return converted
    }

    static func checkLabels(_ labels: [Int], classCount: Int) throws {
        for (index, label) in labels.enumerated() where !(0..<classCount).contains(label) {
            throw MetricsError.invalidLabel(index: index, value: label, classCount: classCount)
        }
    }
}
