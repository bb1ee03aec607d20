import Foundation
import XCTest
@testable import PneumoApp

final class MulticlassMetricsTests: XCTestCase {
    let names = ["normal", "bacterial", "viral"]
    let labels = [0, 0, 1, 1, 2, 2]
    let predictions = [0, 1, 1, 1, 2, 0]

    func testHandComputedCase() throws {
        let metrics = try MulticlassMetrics.compute(labels: labels, predictions: predictions, classNames: names)
        XCTAssertEqual(metrics.confusion, [[1, 1, 0], [0, 2, 0], [1, 0, 1]])
        XCTAssertEqual(metrics.count, 6)
        XCTAssertEqual(metrics.accuracy, 4.0 / 6.0, accuracy: 1e-12)
        XCTAssertEqual(metrics.perClass.map(\.support), [2, 2, 2])
        XCTAssertEqual(metrics.perClass[0].precision, 0.5, accuracy: 1e-12)
        XCTAssertEqual(metrics.perClass[1].precision, 2.0 / 3.0, accuracy: 1e-12)
        XCTAssertEqual(metrics.perClass[2].precision, 1, accuracy: 1e-12)
        XCTAssertEqual(metrics.perClass.map(\.recall), [0.5, 1, 0.5])
        XCTAssertEqual(metrics.perClass[1].f1, 0.8, accuracy: 1e-12)
        XCTAssertEqual(metrics.perClass[2].f1, 2.0 / 3.0, accuracy: 1e-12)
        XCTAssertEqual(metrics.macroPrecision, (0.5 + 2.0 / 3.0 + 1) / 3, accuracy: 1e-12)
        XCTAssertEqual(metrics.macroRecall, 2.0 / 3.0, accuracy: 1e-12)
        XCTAssertEqual(metrics.macroF1, (0.5 + 0.8 + 2.0 / 3.0) / 3, accuracy: 1e-12)
        XCTAssertNil(metrics.logLoss)
        XCTAssertEqual(metrics.perClass.map(\.name), names)
    }

    func testFromProbabilitiesUsesArgmaxAndCrossEntropy() throws {
        var probabilities = [Float]()
        for prediction in predictions {
            var row: [Float] = [0.1, 0.1, 0.1]
            row[prediction] = 0.8
            probabilities += row
        }
        let metrics = try MulticlassMetrics.compute(labels: labels, probabilities: probabilities, classNames: names)
        XCTAssertEqual(metrics.confusion, [[1, 1, 0], [0, 2, 0], [1, 0, 1]])
        // Four samples put 0.8 on the truth and two put 0.1.
        let expected = -(4 * log(Double(Float(0.8))) + 2 * log(Double(Float(0.1)))) / 6
        XCTAssertEqual(try XCTUnwrap(metrics.logLoss), expected, accuracy: 1e-9)
    }

    func testTiesGoToLowestClass() throws {
        let metrics = try MulticlassMetrics.compute(labels: [1], probabilities: [0.4, 0.4, 0.2], classNames: names)
        XCTAssertEqual(metrics.confusion[1], [1, 0, 0])
    }

    func testBadInputIsRejected() {
        assertThrows(MetricsError.self, { _ = try MulticlassMetrics.compute(labels: [0, 3], predictions: [0, 1], classNames: self.names) })
        assertThrows(MetricsError.self, { _ = try MulticlassMetrics.compute(labels: [0, 1], predictions: [0, -1], classNames: self.names) })
        assertThrows(MetricsError.self, { _ = try MulticlassMetrics.compute(labels: [0], predictions: [0], classNames: ["only"]) })
        assertThrows(MetricsError.self, { _ = try MulticlassMetrics.compute(labels: [0], probabilities: [0.5, 0.5], classNames: self.names) })
        assertThrows(MetricsError.self, { _ = try MulticlassMetrics.compute(labels: [0], probabilities: [2.0, -1.0, 0.0], classNames: self.names) })
        assertThrows(MetricsError.self, { _ = try MulticlassMetrics.compute(labels: [0], probabilities: [3.0, 1.0, 0.5], classNames: self.names) }) {
            XCTAssertTrue($0.description.contains("probability") || $0.description.contains("logits"))
        }
    }

    func testEvaluationWithIntervals() throws {
        var probabilities = [Double]()
        var labels = [Int]()
        for index in 0..<90 {
            let label = index % 3
            labels.append(label)
            // Every fifth sample is predicted as the next class.
            let predicted = index % 5 == 0 ? (label + 1) % 3 : label
            var row = [0.15, 0.15, 0.15]
            row[predicted] = 0.7
            probabilities += row
        }
        let evaluation = try MulticlassEvaluation.evaluate(
            labels: labels, probabilities: probabilities, classNames: names, bootstrap: BootstrapOptions(resamples: 200, seed: 4))
        XCTAssertEqual(evaluation.metrics.accuracy, 72.0 / 90.0, accuracy: 1e-12)
        let accuracy = try XCTUnwrap(evaluation.intervals?.accuracy)
        XCTAssertLessThan(accuracy.lower, 0.8)
        XCTAssertGreaterThan(accuracy.upper, 0.8)
        XCTAssertEqual(evaluation.intervals?.perClass.count, 3)
        XCTAssertEqual(evaluation.rows.count, 5 + 9)
        let again = try MulticlassEvaluation.evaluate(
            labels: labels, probabilities: probabilities, classNames: names, bootstrap: BootstrapOptions(resamples: 200, seed: 4))
        XCTAssertEqual(again, evaluation)
        XCTAssertEqual(try JSONDecoder().decode(MulticlassEvaluation.self, from: JSONEncoder().encode(evaluation)), evaluation)
    }
}
