import Foundation

/// The sweep's HTML page: validation metrics and throughput per configuration as bar charts,
/// and the full table.
public enum SweepReport {
    /// Builds the page from the rows finished so far.
    public static func build(_ result: SweepResult) throws -> HTMLReport {
        let settings = result.settings
        var report = HTMLReport(
            title: "Sweep of \(settings.model)",
            subtitle: "\(result.rows.count) configuration(s), \(settings.epochs) epoch(s) each, seed \(settings.seed), data \(settings.dataRoot)")
        let categories = result.rows.map(\.configuration.label)
        let measurements = result.rows.map(\.measurement)

        report.addHeading("Validation metrics")
        let quality = try BarChart(
            title: "Validation metrics after the last epoch", categories: categories,
            series: [
                BarSeries(name: "accuracy", values: measurements.map { $0?.validationAccuracy }),
                BarSeries(name: "recall", values: measurements.map { $0?.validationRecall }),
                BarSeries(name: "ROC AUC", values: measurements.map { $0?.validationAUC }),
            ],
            yLabel: "Fraction", yRange: 0...1, valueDecimals: 2)
        let speed = try BarChart(
            title: "Training throughput", categories: categories,
            series: [BarSeries(name: "images/s", values: measurements.map { $0?.imagesPerSecond })],
            yLabel: "Images per second", valueDecimals: 0)
        report.addCharts([quality])
        report.addHeading("Speed")
        report.addCharts([speed])

        report.addHeading("Table")
        let rows = result.rows.map { row -> [String] in
            let m = row.measurement
            func cell(_ value: Double?) -> String { value.map { NumberFormat.fixed($0, 3) } ?? "" }
            return [
                row.configuration.optimizer, "\(row.configuration.batchSize)", SweepConfiguration.number(row.configuration.learningRate),
                cell(m?.validationAccuracy), cell(m?.validationRecall), cell(m?.validationAUC), cell(m?.validationLoss),
                cell(m?.trainAccuracy), m.map { NumberFormat.fixed($0.imagesPerSecond, 1) } ?? "",
                m.map { DurationFormat.text($0.seconds) } ?? "", row.error ?? "",
            ]
        }
        try report.addTable(
            headers: ["Optimizer", "Batch", "Learning rate", "Val accuracy", "Val recall", "Val AUC", "Val loss",
                      "Train accuracy", "Images/s", "Time", "Error"],
            rows: rows, numericColumnsFrom: 1)
        if let best = result.best {
            report.addParagraph("Best by validation ROC AUC: \(best.configuration.label); its run is in \(best.directory).")
        }
        return report
    }
}
