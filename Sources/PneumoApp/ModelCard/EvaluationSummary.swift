import Foundation

/// One metric across several evaluations (e.g. one per training seed): mean, standard
/// deviation and range of the values where it was defined.
public struct MetricSummary: Equatable, Sendable {
    /// The metric's name, as in the evaluation table.
    public var name: String
    /// The values, in file order, where defined.
    public var values: [Double]

    /// Arithmetic mean.
    public var mean: Double { values.reduce(0, +) / Double(values.count) }
    /// Sample standard deviation (n - 1); nil for fewer than two values.
    public var standardDeviation: Double? {
        guard values.count >= 2 else { return nil }
        let mean = self.mean
        return (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count - 1)).squareRoot()
    }
    /// The smallest and largest value.
    public var minimum: Double { values.min() ?? .nan }
    public var maximum: Double { values.max() ?? .nan }

    /// "0.912 ± 0.010", or the value alone when there is one.
    public var meanText: String {
        guard let sd = standardDeviation else { return NumberFormat.fixed(mean, 3) }
        return "\(NumberFormat.fixed(mean, 3)) ± \(NumberFormat.fixed(sd, 3))"
    }

    /// "0.900 – 0.925".
    public var rangeText: String { "\(NumberFormat.fixed(minimum, 3)) – \(NumberFormat.fixed(maximum, 3))" }
}

/// Summaries of the figures several evaluation files share.
public enum EvaluationSummary {
    /// Each fraction metric of the evaluation table, then the reported calibration and each
    /// operating point's sensitivity and specificity on the split; metrics defined nowhere are left out.
    public static func summarise(_ results: [EvaluationResult]) -> [MetricSummary] {
        var order = [String](), values = [String: [Double]]()
        func add(_ name: String, _ value: Double?) {
            if values[name] == nil {
                order.append(name)
                values[name] = []
            }
            if let value, value.isFinite { values[name]?.append(value) }
        }
        for result in results {
            for row in result.rows where !row.isCount { add(row.name, row.value) }
            add("ECE (reported probabilities)", result.calibration?.reported.expectedCalibrationError)
            add("Brier score (reported probabilities)", result.calibration?.reported.brierScore)
            for point in result.operatingPoints ?? [] {
                add("Sensitivity at \(point.choice.strategy)", point.sensitivity)
                add("Specificity at \(point.choice.strategy)", point.specificity)
            }
        }
        return order.compactMap { name in
            let found = values[name] ?? []
            return found.isEmpty ? nil : MetricSummary(name: name, values: found)
        }
    }
}
