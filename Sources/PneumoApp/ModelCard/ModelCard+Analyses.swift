import Foundation

extension ModelCard {
    static func quantitativeAnalyses(_ inputs: ModelCardInputs) -> CardSection {
        var blocks = validationBlocks(inputs.metadata)
        blocks += evaluationBlocks(inputs.evaluations)
        blocks += failureBlocks(inputs)
        return CardSection("Quantitative analyses", blocks)
    }

    /// The checkpoint's own figures: validation at save time, and the calibration fitted there.
    private static func validationBlocks(_ metadata: CheckpointMetadata) -> [CardBlock] {
        var blocks: [CardBlock] = [
            .subheading("Validation (at training time)"),
            .table(headers: ["Figure", "Value"], rows: metadata.metrics.keys.sorted().map { [$0, figure(metadata.metrics[$0]!)] }),
        ]
        blocks.append(.subheading("Calibration"))
        if let calibration = metadata.calibration {
            blocks.append(.table(
                headers: ["On \(calibration.fittedOn) (\(calibration.images) images)", "Before (T = 1)", "After (T = \(NumberFormat.fixed(calibration.temperature, 3)))"],
                rows: [
                    ["ECE", NumberFormat.fixed(calibration.before.expectedCalibrationError, 4), NumberFormat.fixed(calibration.after.expectedCalibrationError, 4)],
                    ["Brier score", NumberFormat.fixed(calibration.before.brierScore, 4), NumberFormat.fixed(calibration.after.brierScore, 4)],
                ]))
            if let augmentation = calibration.testTimeAugmentation {
                blocks.append(.paragraph(
                    "Every probability of this model is \(augmentation.summary); the temperature and the thresholds were fitted on those averaged logits."))
            }
        } else {
            blocks.append(.paragraph(ModelCardText.uncalibrated))
        }
        return blocks
    }

    /// Counts such as the epoch as whole numbers, fractions to four places.
    private static func figure(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : NumberFormat.fixed(value, 4)
    }

    /// One evaluation in full, or several summarised as mean ± sd and range.
    private static func evaluationBlocks(_ evaluations: [NamedEvaluation]) -> [CardBlock] {
        guard let first = evaluations.first else { return [] }
        if evaluations.count == 1 {
            let result = first.result
            var blocks: [CardBlock] = [
                .subheading("Evaluation on \(result.data.split) (\(result.data.images) images)"),
                .paragraph(result.threshold?.explanation ?? "Decisions are the most probable class."),
                .table(headers: ["Metric", "Value", "\(NumberFormat.fixed(result.bootstrap.level * 100, 0))% interval"],
                       rows: result.rows.map { row in
                           let digits = row.isCount ? 0 : 3
                           return [row.name, row.value.map { NumberFormat.fixed($0, digits) } ?? "n/a",
                                   row.interval.map { "\(NumberFormat.fixed($0.lower, digits)) – \(NumberFormat.fixed($0.upper, digits))" } ?? ""]
                       }),
            ]
            if let calibration = result.calibration {
                blocks.append(.table(
                    headers: ["Calibration on \(result.data.split)", "Raw (T = 1)", "Reported (T = \(NumberFormat.fixed(calibration.temperature, 3)))"],
                    rows: [
                        ["ECE", NumberFormat.fixed(calibration.uncalibrated.expectedCalibrationError, 4), NumberFormat.fixed(calibration.reported.expectedCalibrationError, 4)],
                        ["Brier score", NumberFormat.fixed(calibration.uncalibrated.brierScore, 4), NumberFormat.fixed(calibration.reported.brierScore, 4)],
                    ]))
            }
            if let points = result.operatingPoints, !points.isEmpty {
                blocks.append(.table(
                    headers: ["Operating point", "Threshold", "Sensitivity (validation → \(result.data.split))", "Specificity (validation → \(result.data.split))", "In use"],
                    rows: points.map { point in
                        [point.choice.strategy.description, ThresholdDecision.format(point.choice.threshold),
                         "\(percent(point.choice.sensitivity)) → \(percent(point.sensitivity))",
                         "\(percent(point.choice.specificity)) → \(percent(point.specificity))", point.inUse ? "yes" : ""]
                    }))
            }
            return blocks
        }
        let splits = Set(evaluations.map(\.result.data.split)).sorted().joined(separator: ", ")
        return [
            .subheading("\(evaluations.count) evaluations on \(splits), summarised"),
            .paragraph("Mean ± sample standard deviation and range over the files; n is the number of files where the metric is defined."),
            .table(headers: ["Metric", "Mean ± sd", "Range", "n"],
                   rows: EvaluationSummary.summarise(evaluations.map(\.result)).map { [$0.name, $0.meanText, $0.rangeText, "\($0.values.count)"] }),
            .subheading("Files summarised"),
            .table(headers: ["File", "Split", "Images", "ROC AUC [interval]", "Checkpoint"],
                   rows: evaluations.map { named in
                       let auc = named.result.binary.map { binary in
                           NumberFormat.fixed(binary.metrics.rocAUC ?? .nan, 3)
                               + (binary.intervals?.rocAUC.map { " [\(NumberFormat.fixed($0.lower, 3)), \(NumberFormat.fixed($0.upper, 3))]" } ?? "")
                       } ?? "n/a"
                       return [named.source, named.result.data.split, "\(named.result.data.images)", auc, named.result.model.checkpoint]
                   }),
        ]
    }

    /// Where the model fails: errors at the threshold, and the shortcut audits.
    private static func failureBlocks(_ inputs: ModelCardInputs) -> [CardBlock] {
        var items = [String]()
        for named in inputs.evaluations {
            guard let confusion = named.result.binary?.metrics.confusion else { continue }
            let positives = confusion.truePositives + confusion.falseNegatives, negatives = confusion.trueNegatives + confusion.falsePositives
            items.append("\(named.source): \(confusion.falseNegatives) of \(positives) pneumonia images missed (false negatives) and "
                + "\(confusion.falsePositives) of \(negatives) normal images flagged (false positives); the evaluation's report.html shows examples of each.")
        }
        for audit in inputs.sizeAudits {
            items.append("Shape audit (\(audit.sizeSource), \(audit.testImages.reduce(0, +)) test images of known size): \(audit.interpretation).")
            items += audit.notes.map { "Shape audit: \($0)." }
        }
        for audit in inputs.lungAudits { items.append("Lung audit (\(audit.checkpoint)): \(audit.interpretation).") }
        if inputs.sizeAudits.isEmpty {
            items.append("Shape audit not run: pneumo audit size --data ROOT --manifest MANIFEST.csv --out size-audit.json, then pass it with --audit.")
        }
        if inputs.lungAudits.isEmpty {
            items.append("Lung audit not run: pneumo audit lungs --model CHECKPOINT --data ROOT --out lung-audit.json, then pass it with --audit.")
        }
        return [.subheading("Failure analysis"), .bullets(items)]
    }
}
