import PneumoApp
import PneumoData
import XCTest
@testable import PneumoServe

/// The answer in words says where the image stands against the operating point in use.
final class ReadingTests: XCTestCase {
    private let choice = ThresholdChoice(strategy: .youden, threshold: 0.7, sensitivity: 0.98, specificity: 0.91, chosenOn: "validation")

    private func metadata(temperature: Double?) -> ModelMetadata {
        ModelMetadata(
            id: "pneumonet", version: "1", classes: ["normal", "pneumonia"], positiveClass: "pneumonia", threshold: 0.7,
            temperature: temperature, operatingPoint: choice)
    }

    private func classification(_ p: Double, findings: [QualityFinding]? = nil) -> Classification {
        Classification(
            predictedClass: p >= 0.7 ? "pneumonia" : "normal", probabilities: ["normal": 1 - p, "pneumonia": p], threshold: 0.7,
            qualityFindings: findings)
    }

    func testCalibratedAnswerAboveTheOperatingPoint() {
        let text = Reading.sentence(classification(0.93), metadata: metadata(temperature: 1.4))
        XCTAssertTrue(text.contains("P(pneumonia) is 93.0 %, at or above the operating point of 70.0 %"), text)
        XCTAssertTrue(text.contains("Youden's J") && text.contains("sensitivity 98.0 %") && text.contains("specificity 91.0 %"), text)
        XCTAssertTrue(text.contains("reads as pneumonia") && text.contains("calibrated on validation"), text)
        XCTAssertFalse(text.contains("borderline"), text)
    }

    func testUncalibratedBorderlineAnswerSaysBoth() {
        let text = Reading.sentence(classification(0.68), metadata: metadata(temperature: nil))
        XCTAssertTrue(text.contains("below the operating point") && text.contains("reads as normal"), text)
        XCTAssertTrue(text.contains("borderline") && text.contains("not calibrated"), text)
    }

    func testFlaggedAnswerLeadsWithTheWarning() {
        let finding = QualityFinding(rule: .contrast, value: "2", limit: ">= 10", message: "the image is nearly uniform")
        let text = Reading.sentence(classification(0.9, findings: [finding]), metadata: metadata(temperature: 1))
        XCTAssertTrue(text.hasPrefix("LOW-QUALITY INPUT") && text.contains("nearly uniform"), text)
    }
}
