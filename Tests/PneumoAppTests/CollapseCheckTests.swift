import Foundation
import XCTest
@testable import PneumoApp

/// The rule that flags a collapsed training, on synthetic validation results.
final class CollapseCheckTests: XCTestCase {
    private let classes = ["normal", "pneumonia"]
    private let labels = [0, 0, 0, 1, 1, 1]

    private func choice(_ threshold: Double, sensitivity: Double, specificity: Double) -> ThresholdChoice {
        ThresholdChoice(strategy: .youden, threshold: threshold, sensitivity: sensitivity, specificity: specificity, chosenOn: "validation")
    }

    func testASoundModelRaisesNoWarning() {
        let probabilities = [0.1, 0.3, 0.6, 0.4, 0.8, 0.9].map { [1 - $0, $0] }
        XCTAssertEqual(CollapseCheck.warnings(
            probabilities: probabilities, labels: labels, auc: 0.89, threshold: choice(0.5, sensitivity: 0.67, specificity: 0.67),
            classNames: classes), [])
    }

    func testAWeakButWorkingModelIsNotCalledCollapsed() {
        let probabilities = [0.4, 0.5, 0.6, 0.45, 0.55, 0.7].map { [1 - $0, $0] }
        XCTAssertEqual(CollapseCheck.warnings(
            probabilities: probabilities, labels: labels, auc: 0.61, threshold: choice(0.52, sensitivity: 0.67, specificity: 0.67),
            classNames: classes), [])
    }

    func testAConstantOutputIsFlaggedOnEverySign() {
        let probabilities = Array(repeating: [0.3, 0.7], count: 6)
        let warnings = CollapseCheck.warnings(
            probabilities: probabilities, labels: labels, auc: 0.5, threshold: choice(0, sensitivity: 1, specificity: 0), classNames: classes)
        XCTAssertEqual(warnings.count, 4, "\(warnings)")
        XCTAssertTrue(warnings.contains("every one of the 6 validation images is predicted pneumonia"), "\(warnings)")
        XCTAssertTrue(warnings.contains { $0.contains("ROC AUC is 0.500") }, "\(warnings)")
        XCTAssertTrue(warnings.contains { $0.contains("decision threshold is 0.000") }, "\(warnings)")
        XCTAssertTrue(warnings.contains { $0.contains("specificity at the threshold is 0") }, "\(warnings)")
    }

    func testUndefinedAUCAndZeroSensitivityAreFlagged() {
        let probabilities = [0.1, 0.2, 0.3, 0.2, 0.1, 0.6].map { [1 - $0, $0] }
        let warnings = CollapseCheck.warnings(
            probabilities: probabilities, labels: labels, auc: nil, threshold: choice(0.7, sensitivity: 0, specificity: 1), classNames: classes)
        XCTAssertTrue(warnings.contains { $0.contains("ROC AUC is undefined") }, "\(warnings)")
        XCTAssertTrue(warnings.contains { $0.contains("sensitivity at the threshold is 0") }, "\(warnings)")
        XCTAssertTrue(warnings.contains { $0.contains("every one of the 6") }, "all below 0.7: \(warnings)")
        XCTAssertTrue(CollapseCheck.banner(warnings, checkpoint: "runs/x/best").hasPrefix("WARNING: the model in runs/x/best looks collapsed"))
    }

    func testThreeClassArgMaxOfOneClassIsFlagged() {
        let probabilities = Array(repeating: [0.2, 0.5, 0.3], count: 6)
        let warnings = CollapseCheck.warnings(
            probabilities: probabilities, labels: [0, 1, 2, 0, 1, 2], auc: 0.5, threshold: nil, classNames: ["normal", "bacterial", "viral"])
        XCTAssertTrue(warnings.contains("every one of the 6 validation images is predicted bacterial"), "\(warnings)")
    }

    func testWarningsTravelInTheCheckpointMetadata() throws {
        var metadata = CheckpointMetadata(
            architecture: .object([:]), input: InputSpec(width: 32, height: 32, channels: 1), preprocessing: .object([:]),
            classNames: classes, threshold: nil, trainingOptions: .object([:]), metrics: [:], dataFingerprint: "f", engineVersion: "1")
        XCTAssertFalse(String(decoding: try JSONEncoder().encode(metadata), as: UTF8.self).contains("warnings"))
        metadata.warnings = ["validation ROC AUC is 0.500, no better than chance"]
        let data = try JSONEncoder().encode(metadata)
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        XCTAssertEqual(json["warnings"] as? [String], metadata.warnings)
        XCTAssertEqual(try JSONDecoder().decode(CheckpointMetadata.self, from: data).warnings, metadata.warnings)
    }
}
