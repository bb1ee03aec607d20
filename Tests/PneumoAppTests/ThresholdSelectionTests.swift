import Foundation
import XCTest
@testable import PneumoApp

final class ThresholdSelectionTests: XCTestCase {
    let labels = [0, 0, 0, 1, 1, 1]
    let scores = [0.1, 0.3, 0.6, 0.4, 0.7, 0.9]

    func testYoudenPicksHighestOfTiedBest() throws {
        // J is 2/3 at 0.7 and at 0.4; the higher threshold wins.
        let choice = try ThresholdChoice.choose(.youden, labels: labels, probabilities: scores)
        XCTAssertEqual(choice.threshold, 0.7)
        XCTAssertEqual(choice.sensitivity, 2.0 / 3.0, accuracy: 1e-12)
        XCTAssertEqual(choice.specificity, 1)
        XCTAssertEqual(choice.chosenOn, "validation")
    }

    func testTargetSensitivityPicksHighestThresholdReachingIt() throws {
        let strict = try ThresholdChoice.choose(.targetSensitivity(0.9), labels: labels, probabilities: scores)
        XCTAssertEqual(strict.threshold, 0.4)
        XCTAssertEqual(strict.sensitivity, 1)
        XCTAssertEqual(strict.specificity, 2.0 / 3.0, accuracy: 1e-12)
        let loose = try ThresholdChoice.choose(.targetSensitivity(0.6), labels: labels, probabilities: scores)
        XCTAssertEqual(loose.threshold, 0.7)
        // Exactly two thirds must count as reaching a target of 2/3.
        let exact = try ThresholdChoice.choose(.targetSensitivity(2.0 / 3.0), labels: labels, probabilities: scores)
        XCTAssertEqual(exact.threshold, 0.7)
    }

    func testFixedThresholdReportsItsOperatingPoint() throws {
        let choice = try ThresholdChoice.choose(.fixed(0.5), labels: labels, probabilities: scores, chosenOn: "val split")
        XCTAssertEqual(choice.threshold, 0.5)
        XCTAssertEqual(choice.sensitivity, 2.0 / 3.0, accuracy: 1e-12)
        XCTAssertEqual(choice.specificity, 2.0 / 3.0, accuracy: 1e-12)
        XCTAssertEqual(choice.chosenOn, "val split")
    }

    func testStrategiesNeedTheirClasses() {
        assertThrows(MetricsError.self, { _ = try ThresholdChoice.choose(.youden, labels: [1, 1], probabilities: [0.2, 0.8]) })
        assertThrows(MetricsError.self, { _ = try ThresholdChoice.choose(.targetSensitivity(0.9), labels: [0, 0], probabilities: [0.2, 0.8]) })
        assertThrows(MetricsError.self, { _ = try ThresholdChoice.choose(.targetSensitivity(1.5), labels: [0, 1], probabilities: [0.2, 0.8]) })
    }

    func testParsingAndPrinting() throws {
        XCTAssertEqual(try ThresholdStrategy(parsing: "0.5"), .fixed(0.5))
        XCTAssertEqual(try ThresholdStrategy(parsing: "fixed:0.3"), .fixed(0.3))
        XCTAssertEqual(try ThresholdStrategy(parsing: " Youden "), .youden)
        XCTAssertEqual(try ThresholdStrategy(parsing: "sensitivity:0.95"), .targetSensitivity(0.95))
        for strategy in [ThresholdStrategy.fixed(0.25), .youden, .targetSensitivity(0.9)] {
            XCTAssertEqual(try ThresholdStrategy(parsing: strategy.description), strategy)
        }
        assertThrows(MetricsError.self, { _ = try ThresholdStrategy(parsing: "median") }) {
            XCTAssertTrue($0.description.contains("youden"))
        }
        assertThrows(MetricsError.self, { _ = try ThresholdStrategy(parsing: "sensitivity:abc") })
        assertThrows(MetricsError.self, { _ = try ThresholdStrategy(parsing: "sensitivity:0") })
    }

    func testCodableForm() throws {
        let choice = try ThresholdChoice.choose(.targetSensitivity(0.9), labels: labels, probabilities: scores)
        let data = try JSONEncoder().encode(choice)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        let strategy = try XCTUnwrap(object["strategy"] as? [String: Any])
        XCTAssertEqual(strategy["method"] as? String, "sensitivity")
        XCTAssertEqual(strategy["value"] as? Double, 0.9)
        XCTAssertEqual(try JSONDecoder().decode(ThresholdChoice.self, from: data), choice)
        let bad = Data(#"{"method":"median"}"#.utf8)
        XCTAssertThrowsError(try JSONDecoder().decode(ThresholdStrategy.self, from: bad))
    }
}
