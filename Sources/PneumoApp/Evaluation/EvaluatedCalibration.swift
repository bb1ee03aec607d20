/// How well the probabilities of an evaluation match what happened, with the network's raw
/// probabilities (temperature 1) beside the calibrated ones the model reports.
public struct EvaluatedCalibration: Codable, Equatable, Sendable {
    /// The checkpoint's temperature; 1 when it is not calibrated.
    public var temperature: Double
    /// Whether the checkpoint carries a calibration.
    public var calibrated: Bool
    /// The figures with temperature 1.
    public var uncalibrated: CalibrationMetrics
    /// The figures with the checkpoint's temperature (the probabilities the model reports).
    public var reported: CalibrationMetrics
}

/// An operating point chosen on validation and stored in the checkpoint, applied to the split evaluated.
public struct EvaluatedOperatingPoint: Codable, Equatable, Sendable {
    /// The point as chosen on validation, with its figures there.
    public var choice: ThresholdChoice
    /// Sensitivity and specificity at its threshold on the evaluated split; nil when undefined.
    public var sensitivity: Double?
    public var specificity: Double?
    /// Whether it is the threshold the model decides with.
    public var inUse: Bool

    /// Applies each stored point to `labels` and positive-class `probabilities`.
    static func apply(_ points: [ThresholdChoice], inUse: Double?, labels: [Int], probabilities: [Double]) -> [EvaluatedOperatingPoint] {
        let positives = labels.filter { $0 == 1 }.count, negatives = labels.count - positives
        return points.map { point in
            var truePositives = 0, trueNegatives = 0
            for (label, p) in zip(labels, probabilities) {
                if label == 1, p >= point.threshold { truePositives += 1 }
                if label == 0, p < point.threshold { trueNegatives += 1 }
            }
            return EvaluatedOperatingPoint(
                choice: point,
                sensitivity: positives > 0 ? Double(truePositives) / Double(positives) : nil,
                specificity: negatives > 0 ? Double(trueNegatives) / Double(negatives) : nil,
                inUse: inUse == point.threshold)
        }
    }
}
