import Foundation

/// The text of the lines training prints.
enum TrainingLog {
    static func percent(_ value: Double?) -> String {
        guard let value, value.isFinite else { return "--" }
        return NumberFormat.fixed(value * 100, 1) + "%"
    }

    static func number(_ value: Double?, _ digits: Int = 4) -> String {
        guard let value, value.isFinite else { return "--" }
        return NumberFormat.fixed(value, digits)
    }

    static func rate(_ value: Double) -> String {
        String(format: "%.2e", value)
    }

    /// One epoch: training and validation figures, learning rate, speed, time, and a mark when best.
    static func epochLine(_ record: EpochRecord, of epochs: Int, improved: Bool, monitor: ValidationMetric) -> String {
        let width = String(epochs).count
        let index = String(repeating: " ", count: max(0, width - String(record.epoch).count)) + String(record.epoch)
        var parts = [
            "epoch \(index)/\(epochs)",
            "train loss \(number(record.trainLoss)) acc \(percent(record.trainAccuracy))",
            "val loss \(number(record.validationLoss)) acc \(percent(record.validationAccuracy)) recall \(percent(record.validationRecall)) auc \(number(record.validationAUC))",
            "lr \(rate(record.learningRate))",
            "\(NumberFormat.fixed(record.imagesPerSecond, 1)) img/s",
            DurationFormat.text(record.seconds),
        ]
        if improved { parts.append("best \(monitor.rawValue)") }
        return parts.joined(separator: " | ")
    }

    /// The end of a finished run.
    static func summary(_ summary: TrainingSummary) -> String {
        var lines = [
            "finished \(summary.epochsCompleted) epoch\(summary.epochsCompleted == 1 ? "" : "s")"
                + (summary.stoppedEarly ? " (stopped early: no better val \(summary.monitor.rawValue) for \(summary.patience ?? 0) epochs)" : "")
                + " in \(DurationFormat.text(summary.wallSeconds)) of wall time"
                + (summary.peakDeviceBytes.map { ", peak device memory " + NumberFormat.fixed(Double($0) / 1_048_576, 0) + " MiB" } ?? ""),
        ]
        if let epoch = summary.bestEpoch {
            lines.append("best epoch \(epoch): val \(summary.monitor.rawValue) \(number(summary.bestValue))")
        }
        if let threshold = summary.threshold {
            lines.append("decision threshold \(number(threshold.threshold)) (\(threshold.strategy) on validation: sensitivity \(percent(threshold.sensitivity)), specificity \(percent(threshold.specificity)))")
        }
        lines.append("best checkpoint: \(CheckpointPaths(summary.best).weights.path)")
        lines.append("last checkpoint: \(CheckpointPaths(summary.last).weights.path)")
        lines.append("history: \(summary.historyCSV.path)")
        return lines.joined(separator: "\n")
    }
}
