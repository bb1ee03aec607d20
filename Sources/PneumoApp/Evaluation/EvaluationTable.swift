/// The compact text summary `pneumo evaluate` prints.
public enum EvaluationTable {
    /// A heading line, the threshold line, the metrics with intervals, and the confusion matrix.
    public static func render(_ result: EvaluationResult) -> String {
        let classes = result.model.classNames
        var lines = [
            "\(result.model.name) on \(result.data.split): \(result.data.images) images ("
                + zip(classes, result.data.perClass).map { "\($0.1) \($0.0)" }.joined(separator: ", ") + ")"
        ]
        if let threshold = result.threshold { lines.append(threshold.explanation) }
        let level = NumberFormat.fixed(result.bootstrap.level * 100, 0)
        let metricRows = result.rows.filter { !$0.isCount }.map { row -> [String] in
            let value = row.value.map { NumberFormat.fixed($0, 3) } ?? "n/a"
            let interval = row.interval.map { "\(NumberFormat.fixed($0.lower, 3)) – \(NumberFormat.fixed($0.upper, 3))" } ?? ""
            return [row.name, value, interval]
        }
        lines.append("")
        lines.append(TextTable(headers: ["metric", "value", "\(level)% interval"], rows: metricRows).render())
        lines.append("")
        let confusion = result.confusion
        let matrixRows = classes.indices.map { row in
            ["true \(classes[row])"] + classes.indices.map { column in row < confusion.count && column < confusion[row].count ? "\(confusion[row][column])" : "" }
        }
        lines.append(TextTable(headers: ["confusion"] + classes.map { "pred \($0)" }, rows: matrixRows).render())
        if let calibration = result.calibration {
            lines.append("")
            lines.append(CalibrationText.sentence(calibration, split: result.data.split))
            lines.append(TextTable(headers: ["probabilities", "ECE", "Brier", "log loss"], rows: CalibrationText.rows(calibration)).render())
        }
        if let points = result.operatingPoints, !points.isEmpty {
            lines.append("")
            lines.append(TextTable(
                headers: ["operating point", "threshold", "val sens", "val spec", "\(result.data.split) sens", "\(result.data.split) spec", ""],
                rows: CalibrationText.operatingRows(points), rightAligned: [1, 2, 3, 4, 5]).render())
        }
        for note in result.notes { lines.append("note: \(note)") }
        return lines.joined(separator: "\n")
    }
}
