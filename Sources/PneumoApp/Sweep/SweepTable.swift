/// The sweep's table as CSV and as aligned text.
public enum SweepTable {
    /// Column names, in order.
    public static let columns = [
        "optimizer", "batch_size", "learning_rate", "epochs", "val_accuracy", "val_recall", "val_auc", "val_loss",
        "train_accuracy", "train_loss", "images_per_second", "seconds", "error",
    ]

    /// One line per configuration, failed runs included with their error.
    public static func csv(_ result: SweepResult) -> String {
        var lines = [columns.joined(separator: ",")]
        for row in result.rows {
            let m = row.measurement
            let fields: [String] = [
                row.configuration.optimizer, "\(row.configuration.batchSize)", SweepConfiguration.number(row.configuration.learningRate),
                m.map { "\($0.epochs)" } ?? "", number(m?.validationAccuracy), number(m?.validationRecall), number(m?.validationAUC),
                number(m?.validationLoss), number(m?.trainAccuracy), number(m?.trainLoss), number(m?.imagesPerSecond),
                number(m?.seconds), row.error ?? "",
            ]
            lines.append(fields.map(PredictionFormat.csvField).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The table printed at the end of a sweep, with the best run named under it.
    public static func text(_ result: SweepResult) -> String {
        let headers = ["configuration", "val acc", "val recall", "val AUC", "val loss", "train acc", "img/s", "time"]
        let rows = result.rows.map { row -> [String] in
            guard let m = row.measurement else { return [row.configuration.label, "failed: \(row.error ?? "unknown")"] }
            return [
                row.configuration.label, fixed(m.validationAccuracy), fixed(m.validationRecall), fixed(m.validationAUC),
                fixed(m.validationLoss), fixed(m.trainAccuracy), NumberFormat.fixed(m.imagesPerSecond, 1),
                DurationFormat.text(m.seconds),
            ]
        }
        var text = TextTable(headers: headers, rows: rows, rightAligned: Set(1..<headers.count)).render()
        if let best = result.best {
            text += "\nbest by validation AUC: \(best.configuration.label) (\(best.directory))"
        }
        return text
    }

    private static func number(_ value: Double?) -> String {
        guard let value else { return "" }
        return value.isFinite ? "\(value)" : (value.isNaN ? "nan" : (value > 0 ? "inf" : "-inf"))
    }

    private static func fixed(_ value: Double?) -> String {
        value.map { NumberFormat.fixed($0, 3) } ?? "n/a"
    }
}
