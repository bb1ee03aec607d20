/// A model's curve for a ROC or precision-recall chart, with its area for the legend.
public struct NamedCurve<Point: Sendable>: Sendable {
    /// Name shown in the legend, e.g. "pneumonet (test)".
    public var name: String
    /// The curve's points.
    public var points: [Point]
    /// The area under the curve, shown in the legend when known.
    public var area: Double?

    /// Creates a named curve.
    public init(name: String, points: [Point], area: Double?) {
        self.name = name
        self.points = points
        self.area = area
    }
}

/// The charts the evaluation and training reports draw.
public enum StandardCharts {
    /// ROC curves, one per model, with the chance diagonal and the AUC in the legend.
    public static func roc(_ curves: [NamedCurve<ROCPoint>], title: String = "ROC curve") -> LineChart {
        LineChart(
            title: title, xLabel: "False positive rate (1 - specificity)", yLabel: "True positive rate (sensitivity)",
            series: curves.map { curve in
                LineSeries(
                    name: legend(curve.name, "AUC", curve.area),
                    points: curve.points.map { ChartPoint(x: $0.falsePositiveRate, y: $0.truePositiveRate) })
            },
            xRange: 0...1, yRange: 0...1, legend: .bottomRight, diagonal: true, width: 440, height: 400)
    }

    /// Precision-recall curves, one per model, with the average precision in the legend.
    public static func precisionRecall(_ curves: [NamedCurve<PRPoint>], title: String = "Precision-recall curve") -> LineChart {
        LineChart(
            title: title, xLabel: "Recall (sensitivity)", yLabel: "Precision",
            series: curves.map { curve in
                LineSeries(
                    name: legend(curve.name, "AP", curve.area),
                    points: curve.points.map { ChartPoint(x: $0.recall, y: $0.precision) })
            },
            xRange: 0...1, yRange: 0...1, legend: .bottomLeft, width: 440, height: 400)
    }

    /// Reliability diagram: observed frequency against stated probability per bin (non-empty
    /// bins only), one series per set of probabilities, with the diagonal of perfect calibration.
    public static func reliability(_ curves: [(name: String, metrics: CalibrationMetrics)], title: String = "Reliability diagram") -> LineChart {
        LineChart(
            title: title, xLabel: "Stated probability (bin mean)", yLabel: "Observed frequency",
            series: curves.map { curve in
                LineSeries(
                    name: "\(curve.name), ECE \(NumberFormat.fixed(curve.metrics.expectedCalibrationError, 3))",
                    points: curve.metrics.bins.filter { $0.count > 0 }.map { ChartPoint(x: $0.meanProbability, y: $0.observedFrequency) },
                    markers: true)
            },
            xRange: 0...1, yRange: 0...1, legend: .bottomRight, diagonal: true, width: 440, height: 400)
    }

    /// Training and validation loss per epoch.
    public static func loss(_ history: TrainingHistory) -> LineChart {
        let records = history.records
        var series = [LineSeries(name: "train", points: records.map { ChartPoint(x: Double($0.epoch), y: $0.trainLoss) }, markers: true)]
        if records.contains(where: { $0.validationLoss != nil }) {
            series.append(LineSeries(
                name: "validation", points: records.map { ChartPoint(x: Double($0.epoch), y: $0.validationLoss ?? .nan) },
                dashed: true, markers: true))
        }
        let values = series.flatMap { $0.points.map(\.y) }
        return LineChart(
            title: "Loss", xLabel: "Epoch", yLabel: "Loss", series: series,
            xRange: epochRange(records), yRange: ChartScale.niceRange(values, includeZero: true))
    }

    /// Training and validation accuracy (and validation recall and AUC when present) per epoch.
    public static func accuracy(_ history: TrainingHistory) -> LineChart {
        let records = history.records
        func series(_ name: String, _ value: (EpochRecord) -> Double?, dashed: Bool) -> LineSeries? {
            guard records.contains(where: { value($0) != nil }) else { return nil }
            return LineSeries(
                name: name, points: records.map { ChartPoint(x: Double($0.epoch), y: value($0) ?? .nan) },
                dashed: dashed, markers: true)
        }
        let lines = [
            series("train accuracy", { $0.trainAccuracy }, dashed: false),
            series("validation accuracy", { $0.validationAccuracy }, dashed: true),
            series("validation recall", { $0.validationRecall }, dashed: true),
            series("validation AUC", { $0.validationAUC }, dashed: true),
        ].compactMap { $0 }
        let values = lines.flatMap { $0.points.map(\.y) }.filter(\.isFinite)
        let lowest = values.min() ?? 0
        // Start at a round tenth below the lowest value, so late-epoch differences stay visible.
        let floor = max(0, (lowest * 10).rounded(.down) / 10)
        return LineChart(
            title: "Accuracy", xLabel: "Epoch", yLabel: "Fraction", series: lines,
            xRange: epochRange(records), yRange: floor...1, legend: .bottomRight)
    }

    private static func epochRange(_ records: [EpochRecord]) -> ClosedRange<Double> {
        let first = Double(records.first?.epoch ?? 1), last = Double(records.last?.epoch ?? 1)
        return last > first ? first...last : (first - 1)...(first + 1)
    }

    private static func legend(_ name: String, _ measure: String, _ area: Double?) -> String {
        guard let area, area.isFinite else { return name }
        return "\(name) (\(measure) \(NumberFormat.fixed(area, 3)))"
    }
}
