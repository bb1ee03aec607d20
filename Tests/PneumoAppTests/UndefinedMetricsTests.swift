import Foundation
import XCTest
@testable import PneumoApp

/// Recall and specificity on a split holding only one class are undefined, and every output says n/a.
final class UndefinedMetricsTests: XCTestCase {
    private func row(_ name: String, _ evaluation: BinaryEvaluation) throws -> MetricRow {
        try XCTUnwrap(evaluation.rows.first { $0.name == name })
    }

    func testOneClassSplitsShowTheMissingClassMetricAsNotAvailable() throws {
        let options = BootstrapOptions(resamples: 200, level: 0.95, seed: 1)
        let onlyPositives = try BinaryEvaluation.evaluate(labels: [1, 1, 1, 1], probabilities: [0.9, 0.2, 0.7, 0.6], bootstrap: options)
        let specificity = try row("Specificity", onlyPositives)
        XCTAssertNil(specificity.value)
        XCTAssertNil(specificity.interval)
        XCTAssertEqual(try row("Recall (sensitivity)", onlyPositives).value, 0.75)
        XCTAssertNil(try row("ROC AUC", onlyPositives).value)

        let onlyNegatives = try BinaryEvaluation.evaluate(labels: [0, 0, 0], probabilities: [0.1, 0.8, 0.3], bootstrap: options)
        XCTAssertNil(try row("Recall (sensitivity)", onlyNegatives).value)
        XCTAssertNil(try row("Recall (sensitivity)", onlyNegatives).interval)
        XCTAssertEqual(try XCTUnwrap(try row("Specificity", onlyNegatives).value), 2.0 / 3.0, accuracy: 1e-12)

        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: encoder.encode(onlyPositives.metrics)) as? [String: Any])
        XCTAssertTrue(json["specificity"] is NSNull, "specificity must be null, got \(json["specificity"] ?? "absent")")
        XCTAssertEqual(json["recall"] as? Double, 0.75)
        let decoded = try JSONDecoder().decode(BinaryMetrics.self, from: encoder.encode(onlyPositives.metrics))
        XCTAssertEqual(decoded, onlyPositives.metrics)

        var report = HTMLReport(title: "one class")
        report.addMetricTable(onlyPositives.rows)
        let page = report.render()
        let specificityCell = try XCTUnwrap(page.range(of: "Specificity"))
        XCTAssertTrue(page[specificityCell.upperBound...].prefix(80).contains("n/a"), String(page[specificityCell.upperBound...].prefix(80)))
    }

    func testTwoClassSplitsKeepTheirFigures() throws {
        let both = try BinaryEvaluation.evaluate(labels: [0, 0, 1, 1], probabilities: [0.1, 0.6, 0.4, 0.8], bootstrap: nil)
        XCTAssertEqual(try row("Specificity", both).value, 0.5)
        XCTAssertEqual(try row("Recall (sensitivity)", both).value, 0.5)
    }
}
