import Foundation
import XCTest
@testable import PneumoApp

final class ReportTests: XCTestCase {
    func testEscaping() {
        XCTAssertEqual(HTMLEscaping.escape(#"<a href="x">Tom & 'Jerry'</a>"#),
                       "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;")
    }

    func testNiceTicks() {
        XCTAssertEqual(ChartScale.niceStep(range: 1, target: 5), 0.2, accuracy: 1e-12)
        XCTAssertEqual(ChartScale.niceStep(range: 7, target: 5), 2)
        XCTAssertEqual(ChartScale.niceStep(range: 0.03, target: 5), 0.01, accuracy: 1e-12)
        let scale = ChartScale(lower: 0, upper: 1, pixelStart: 100, pixelEnd: 0)
        XCTAssertEqual(scale.ticks().count, 6)
        XCTAssertEqual(scale.tickLabel(0.4), "0.4")
        XCTAssertEqual(scale.pixel(0.25), 75)
        let range = ChartScale.niceRange([0.13, 0.61])
        XCTAssertEqual(range.lowerBound, 0.1, accuracy: 1e-12)
        XCTAssertEqual(range.upperBound, 0.7, accuracy: 1e-12)
        XCTAssertEqual(ChartScale.niceRange([3, 3]).contains(3), true)
    }

    func testLineChartDrawsEachSeriesAndBreaksAtNaN() {
        let chart = LineChart(title: "Loss <train>", xLabel: "Epoch", yLabel: "Loss", series: [
            LineSeries(name: "train", points: [ChartPoint(x: 1, y: 1), ChartPoint(x: 2, y: 0.5), ChartPoint(x: 3, y: .nan), ChartPoint(x: 4, y: 0.2), ChartPoint(x: 5, y: 0.1)]),
            LineSeries(name: "val & more", points: [ChartPoint(x: 1, y: 1.2), ChartPoint(x: 5, y: 0.3)], dashed: true),
        ])
        let svg = chart.svg
        XCTAssertTrue(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
        XCTAssertTrue(svg.hasSuffix("</svg>"))
        XCTAssertEqual(svg.components(separatedBy: "<polyline").count - 1, 3)
        XCTAssertTrue(svg.contains("stroke-dasharray=\"6 4\""))
        XCTAssertTrue(svg.contains("Loss &lt;train&gt;"))
        XCTAssertTrue(svg.contains("val &amp; more"))
        XCTAssertFalse(svg.contains("<train>"))
        XCTAssertFalse(svg.contains("nan"))
    }

    func testROCChartShowsAUCInLegendAndDiagonal() throws {
        let evaluation = try BinaryEvaluation.evaluate(labels: [0, 0, 1, 1], probabilities: [0.1, 0.4, 0.35, 0.8], bootstrap: nil)
        let roc = StandardCharts.roc([NamedCurve(name: "pneumonet", points: evaluation.roc ?? [], area: evaluation.metrics.rocAUC)])
        XCTAssertTrue(roc.svg.contains("pneumonet (AUC 0.750)"))
        XCTAssertTrue(roc.diagonal)
        let pr = StandardCharts.precisionRecall([NamedCurve(name: "pneumonet", points: evaluation.precisionRecall ?? [], area: evaluation.metrics.prAUC)])
        XCTAssertTrue(pr.svg.contains("pneumonet (AP 0.833)"))
    }

    func testTrainingCharts() throws {
        let history = TrainingHistory(records: [
            EpochRecord(epoch: 1, trainLoss: 0.7, trainAccuracy: 0.6, validationLoss: 0.6, validationAccuracy: 0.7, validationRecall: 0.8, validationAUC: 0.8, learningRate: 1e-3, imagesPerSecond: 100, seconds: 10),
            EpochRecord(epoch: 2, trainLoss: 0.4, trainAccuracy: 0.85, validationLoss: 0.45, validationAccuracy: 0.8, validationRecall: 0.9, validationAUC: 0.9, learningRate: 1e-3, imagesPerSecond: 100, seconds: 10),
        ])
        let loss = StandardCharts.loss(history)
        XCTAssertEqual(loss.series.map(\.name), ["train", "validation"])
        XCTAssertEqual(loss.yRange?.lowerBound, 0)
        let accuracy = StandardCharts.accuracy(history)
        XCTAssertEqual(accuracy.series.count, 4)
        XCTAssertEqual(accuracy.yRange, 0.6...1)
        let trainOnly = TrainingHistory(records: [EpochRecord(epoch: 1, trainLoss: 1, trainAccuracy: 0.5, learningRate: 0.1, imagesPerSecond: 1, seconds: 1)])
        XCTAssertEqual(StandardCharts.loss(trainOnly).series.count, 1)
        XCTAssertEqual(StandardCharts.accuracy(trainOnly).series.count, 1)
        XCTAssertTrue(StandardCharts.loss(trainOnly).svg.contains("<circle"))
    }

    func testConfusionMatrixChart() throws {
        let matrix = BinaryConfusionMatrix(truePositives: 380, falsePositives: 30, trueNegatives: 204, falseNegatives: 10)
        let chart = try ConfusionMatrixChart(classNames: ["NORMAL", "PNEUMONIA"], binary: matrix)
        XCTAssertEqual(chart.counts, [[204, 30], [10, 380]])
        let svg = chart.svg
        for text in ["204", "30", "10", "380", "87.2%", "97.4%", "Predicted", "NORMAL"] {
            XCTAssertTrue(svg.contains(">\(text)<"), text)
        }
        assertThrows(ReportError.self, { _ = try ConfusionMatrixChart(classNames: ["a", "b", "c"], counts: [[1, 2], [3, 4]]) })
    }

    func testBarChart() throws {
        let chart = try BarChart(
            title: "Sweep", categories: ["adam lr=1e-3", "sgd lr=1e-2"],
            series: [BarSeries(name: "val AUC", values: [0.95, 0.9]), BarSeries(name: "val acc", values: [0.9, nil])],
            yLabel: "score", yRange: 0...1, valueDecimals: 2)
        let svg = chart.svg
        XCTAssertEqual(svg.components(separatedBy: "<rect x=").count - 1, 3 + 2)  // three bars, two legend swatches
        XCTAssertTrue(svg.contains(">0.95<"))
        XCTAssertTrue(svg.contains("adam lr=1e-3"))
        assertThrows(ReportError.self, {
            _ = try BarChart(title: "t", categories: ["a"], series: [BarSeries(name: "s", values: [1, 2])], yLabel: "y")
        })
    }

    func testReportIsSelfContainedAndEscaped() throws {
        var report = HTMLReport(title: "Evaluation <test>", subtitle: "pneumonet & friends")
        report.addHeading("Metrics")
        report.addParagraph("Threshold chosen on validation: 0.62 \"youden\"")
        report.addKeyValues([("model", "<script>alert(1)</script>")])
        let evaluation = try BinaryEvaluation.evaluate(
            labels: [0, 0, 1, 1, 1, 0], probabilities: [0.1, 0.4, 0.35, 0.8, 0.7, 0.2], bootstrap: BootstrapOptions(resamples: 50))
        report.addMetricTable(evaluation.rows, caption: "Test split")
        report.addCharts([StandardCharts.roc([NamedCurve(name: "m", points: evaluation.roc ?? [], area: evaluation.metrics.rocAUC)])], captions: ["ROC"])
        try report.addImageGrid([
            GridImage(width: 4, height: 3, pixels: [UInt8](repeating: 128, count: 12), caption: "pred <PNEUMONIA> 0.97", detail: "true NORMAL", tone: .wrong),
            GridImage(width: 2, height: 2, pixels: [0, 255, 255, 0], caption: "pred NORMAL 0.12", tone: .correct),
        ], columns: 2)
        assertThrows(ReportError.self, {
            try report.addTable(headers: ["a", "b"], rows: [["1"]])
        })
        assertThrows(ReportError.self, {
            try report.addImageGrid([GridImage(width: 2, height: 2, pixels: [1], caption: "broken")])
        }) { XCTAssertTrue($0.detail.contains("broken")) }

        let html = report.render()
        XCTAssertTrue(html.hasPrefix("<!DOCTYPE html>"))
        XCTAssertTrue(html.contains("<title>Evaluation &lt;test&gt;</title>"))
        XCTAssertTrue(html.contains("pneumonet &amp; friends"))
        XCTAssertTrue(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        XCTAssertFalse(html.contains("<script"))
        XCTAssertTrue(html.contains("pred &lt;PNEUMONIA&gt; 0.97"))
        XCTAssertEqual(html.components(separatedBy: "data:image/png;base64,").count - 1, 2)
        XCTAssertTrue(html.contains("95% interval"))
        XCTAssertTrue(html.contains("<td class=\"num\">0.667</td>"), "accuracy 4/6 at threshold 0.5")
        // Nothing is fetched from elsewhere: the only URL is the SVG namespace.
        let withoutNamespace = html.replacingOccurrences(of: "http://www.w3.org/2000/svg", with: "")
        XCTAssertFalse(withoutNamespace.contains("http:") || withoutNamespace.contains("https:") || withoutNamespace.contains("//cdn"))
        XCTAssertFalse(html.contains("<link"))

        // The embedded image decodes to the pixels it was given.
        let start = try XCTUnwrap(html.range(of: "data:image/png;base64,")).upperBound
        let end = try XCTUnwrap(html[start...].firstIndex(of: "\""))
        let png = try XCTUnwrap(Data(base64Encoded: String(html[start..<end])))
        XCTAssertEqual(try PNGTestDecoder.decode(png).pixels, [UInt8](repeating: 128, count: 12))

        let url = try temporaryDirectory(self).appendingPathComponent("report.html")
        try report.write(to: url)
        XCTAssertEqual(try String(contentsOf: url, encoding: .utf8), html)
    }
}
