import Foundation
import PneumoData

/// The self-contained HTML page of an evaluation.
public enum EvaluationReport {
    /// Builds the page: summary, threshold, metrics with intervals, confusion matrix, ROC and PR
    /// curves, training curves when known, and pictures of correct and wrong predictions.
    public static func build(_ run: EvaluationRun) throws -> HTMLReport {
        let result = run.result
        let classes = result.model.classNames
        var report = HTMLReport(
            title: "Evaluation of \(result.model.name) on \(result.data.split)",
            subtitle: "\(result.data.images) images from \(result.data.root); checkpoint \(result.model.checkpoint)")

        report.addHeading("Summary")
        report.addKeyValues(summary(result))
        if let threshold = result.threshold { report.addParagraph(threshold.explanation + ".") }

        report.addHeading("Metrics")
        let level = result.bootstrap.level
        report.addMetricTable(
            result.rows, caption: "Point estimates with \(NumberFormat.fixed(level * 100, 0))% percentile bootstrap intervals "
                + "(\(result.bootstrap.resamples) resamples, seed \(result.bootstrap.seed))",
            level: level)
        if let multiclass = result.multiclass {
            try report.addTable(
                headers: ["Class", "Precision", "Recall", "F1", "Support"],
                rows: multiclass.metrics.perClass.map {
                    [$0.name, NumberFormat.fixed($0.precision, 3), NumberFormat.fixed($0.recall, 3), NumberFormat.fixed($0.f1, 3), "\($0.support)"]
                },
                caption: "Per class (one against the rest)")
        }

        var charts: [any SVGChart] = [try ConfusionMatrixChart(title: "Confusion matrix", classNames: classes, counts: result.confusion)]
        if let binary = result.binary {
            let name = "\(result.model.name) (\(result.data.split))"
            if let roc = binary.roc {
                charts.append(StandardCharts.roc([NamedCurve(name: name, points: roc, area: binary.metrics.rocAUC)]))
            }
            if let curve = binary.precisionRecall {
                charts.append(StandardCharts.precisionRecall([NamedCurve(name: name, points: curve, area: binary.metrics.prAUC)]))
            }
        }
        if let calibration = result.calibration {
            var curves = [(name: "raw (temperature 1)", metrics: calibration.uncalibrated)]
            if calibration.calibrated {
                curves.append((name: "calibrated (T \(NumberFormat.fixed(calibration.temperature, 2)))", metrics: calibration.reported))
            }
            charts.append(StandardCharts.reliability(curves))
        }
        report.addHeading("Curves")
        report.addCharts(charts)

        if let calibration = result.calibration {
            report.addHeading("Calibration")
            report.addParagraph(CalibrationText.sentence(calibration, split: result.data.split))
            try report.addTable(
                headers: ["Probabilities", "ECE (15 bins)", "Brier score", "Log loss"],
                rows: CalibrationText.rows(calibration), caption: "Calibration on \(result.data.split)")
        }
        if let points = result.operatingPoints, !points.isEmpty {
            report.addHeading("Operating points")
            try report.addTable(
                headers: ["Chosen on validation for", "Threshold", "Validation sensitivity", "Validation specificity",
                          "\(result.data.split) sensitivity", "\(result.data.split) specificity", ""],
                rows: CalibrationText.operatingRows(points),
                caption: "Thresholds chosen on validation, never on \(result.data.split); the row in use decides")
        }

        if let history = run.history, !history.records.isEmpty {
            report.addHeading("Training")
            report.addCharts([StandardCharts.loss(history), StandardCharts.accuracy(history)])
        }

        let (wrong, correct) = ExampleSelection.choose(result.predictions, count: run.examples, classCount: classes.count)
        if !wrong.isEmpty || !correct.isEmpty {
            report.addHeading("Examples")
            if !wrong.isEmpty {
                report.addParagraph("Wrong predictions, most confident first (\(wrong.count) of \(result.predictions.filter { !$0.isCorrect }.count)).")
                try report.addImageGrid(wrong.map { picture(run, index: $0) })
            }
            if !correct.isEmpty {
                report.addParagraph("Correct predictions, spread over the split (\(correct.count) of \(result.predictions.filter(\.isCorrect).count)).")
                try report.addImageGrid(correct.map { picture(run, index: $0) })
            }
        }

        if !result.notes.isEmpty {
            report.addHeading("Notes")
            for note in result.notes { report.addParagraph(note) }
        }
        return report
    }

    private static func summary(_ result: EvaluationResult) -> [(key: String, value: String)] {
        let classes = result.model.classNames
        var pairs: [(key: String, value: String)] = [
            ("Model", "\(result.model.name), input \(result.model.channels)x\(result.model.size)x\(result.model.size)"),
            ("Checkpoint", result.model.checkpoint),
            ("Classes", classes.joined(separator: ", ")),
            ("Data", "\(result.data.root), split \(result.data.split)"),
            ("Images", zip(classes, result.data.perClass).map { "\($0.1) \($0.0)" }.joined(separator: ", ") + " (\(result.data.images) in all)"),
        ]
        if !result.data.skipped.isEmpty { pairs.append(("Skipped", "\(result.data.skipped.count) unreadable image(s)")) }
        if let threshold = result.threshold {
            pairs.append(("Decision threshold", "\(ThresholdDecision.format(threshold.threshold)) (\(threshold.origin.rawValue))"))
        } else {
            pairs.append(("Decision", "most probable class"))
        }
        if let created = result.model.createdAt { pairs.append(("Trained", created.formatted(Date.ISO8601FormatStyle()))) }
        for (name, value) in result.model.trainingMetrics.sorted(by: { $0.key < $1.key }) {
            pairs.append(("At training: \(name)", NumberFormat.fixed(value, 4)))
        }
        pairs.append(("Speed", "\(NumberFormat.fixed(result.imagesPerSecond, 1)) images/s"))
        return pairs
    }

    private static func picture(_ run: EvaluationRun, index: Int) -> GridImage {
        let prediction = run.result.predictions[index]
        let classes = run.result.model.classNames
        let image = run.images.image(at: index)
        let name = (prediction.file as NSString).lastPathComponent
        return GridImage(
            width: image.width, height: image.height, pixels: image.pixels,
            caption: "pred \(classes[prediction.predicted]) \(NumberFormat.fixed(prediction.confidence, 2))",
            detail: "true \(classes[prediction.label]) · \(name)", tone: prediction.isCorrect ? .correct : .wrong)
    }
}
