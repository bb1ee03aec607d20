/// What calibration stored in a checkpoint, in a few lines for the terminal.
public enum CalibrationSummary {
    /// The temperature, ECE and Brier score before and after, and the operating points.
    public static func text(_ metadata: CheckpointMetadata) -> String {
        guard let calibration = metadata.calibration else { return "not calibrated" }
        var lines = [
            "temperature \(NumberFormat.fixed(calibration.temperature, 3)) fitted on \(calibration.images) images (\(calibration.fittedOn))"
                + (calibration.testTimeAugmentation.map { ", each scored as \($0.summary)" } ?? ""),
            "  ECE \(NumberFormat.fixed(calibration.before.expectedCalibrationError, 4)) -> \(NumberFormat.fixed(calibration.after.expectedCalibrationError, 4)), "
                + "Brier \(NumberFormat.fixed(calibration.before.brierScore, 4)) -> \(NumberFormat.fixed(calibration.after.brierScore, 4)), "
                + "NLL \(NumberFormat.fixed(calibration.before.negativeLogLikelihood, 4)) -> \(NumberFormat.fixed(calibration.after.negativeLogLikelihood, 4))",
        ]
        if let points = metadata.operatingPoints, !points.isEmpty {
            let rows = points.map { point in
                [point.strategy.description, NumberFormat.fixed(point.threshold, 4), NumberFormat.fixed(point.sensitivity, 3),
                 NumberFormat.fixed(point.specificity, 3), point.strategy == metadata.threshold?.strategy ? "in use" : ""]
            }
            lines.append(TextTable(headers: ["operating point (validation)", "threshold", "sensitivity", "specificity", ""], rows: rows, rightAligned: [1, 2, 3]).render())
        }
        if let familiarity = metadata.familiarity {
            lines.append("familiarity check: features of layer \(familiarity.layer) (\(familiarity.dimension) values), fitted on "
                + "\(familiarity.fittedImages) training images; refuses beyond distance \(FeatureFamiliarity.format(familiarity.limit)), "
                + "exceeded by at most \(NumberFormat.percent(familiarity.refusedShare, 0)) of images like the \(familiarity.validationImages) "
                + "validation images (their median \(FeatureFamiliarity.format(familiarity.validationMedian)))")
        }
        return lines.joined(separator: "\n")
    }
}
