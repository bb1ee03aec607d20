/// Calibration and operating points in words and table rows, shared by the text table and the HTML report.
enum CalibrationText {
    static func sentence(_ calibration: EvaluatedCalibration, split: String) -> String {
        guard calibration.calibrated else {
            return "The checkpoint is not calibrated: probabilities are the network's own (run pneumo calibrate)."
        }
        return "Probabilities are calibrated with temperature \(NumberFormat.fixed(calibration.temperature, 3)), fitted on validation; "
            + "expected calibration error on \(split) \(NumberFormat.fixed(calibration.uncalibrated.expectedCalibrationError, 3)) raw, "
            + "\(NumberFormat.fixed(calibration.reported.expectedCalibrationError, 3)) calibrated."
    }

    static func rows(_ calibration: EvaluatedCalibration) -> [[String]] {
        func row(_ name: String, _ metrics: CalibrationMetrics) -> [String] {
            [name, NumberFormat.fixed(metrics.expectedCalibrationError, 4), NumberFormat.fixed(metrics.brierScore, 4),
             NumberFormat.fixed(metrics.negativeLogLikelihood, 4)]
        }
        var rows = [row("raw (temperature 1)", calibration.uncalibrated)]
        if calibration.calibrated { rows.append(row("calibrated (as reported)", calibration.reported)) }
        return rows
    }

    static func operatingRows(_ points: [EvaluatedOperatingPoint]) -> [[String]] {
        points.map { point in
            [point.choice.strategy.description, NumberFormat.fixed(point.choice.threshold, 4),
             NumberFormat.fixed(point.choice.sensitivity, 3), NumberFormat.fixed(point.choice.specificity, 3),
             point.sensitivity.map { NumberFormat.fixed($0, 3) } ?? "n/a", point.specificity.map { NumberFormat.fixed($0, 3) } ?? "n/a",
             point.inUse ? "in use" : ""]
        }
    }
}
