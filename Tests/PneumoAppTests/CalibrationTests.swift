import Engine
import Foundation
import XCTest
@testable import PneumoApp

final class CalibrationTests: XCTestCase {
    /// Labels drawn from sigmoid(z) for known z, and logits `scale` times too large: an
    /// overconfident model whose right temperature is `scale`.
    private func overconfident(scale: Double, count: Int = 20_000) -> (logits: [Double], labels: [Int]) {
        var rng = SeededGenerator(seed: 11)
        var logits = [Double](), labels = [Int]()
        for _ in 0..<count {
            let z = Double(rng.nextUniform()) * 8 - 4
            let p = 1 / (1 + exp(-z))
            labels.append(Double(rng.nextUniform()) < p ? 1 : 0)
            logits.append(z * scale)
        }
        return (logits, labels)
    }

    func testTemperatureRecoversTheOverconfidenceFactor() throws {
        let (logits, labels) = overconfident(scale: 3)
        let temperature = try TemperatureScaling.fit(logits: logits, labels: labels, classes: 2)
        XCTAssertEqual(temperature, 3, accuracy: 0.15)
        let best = TemperatureScaling.negativeLogLikelihood(logits: logits, labels: labels, classes: 2, temperature: temperature)
        for other in [1.0, temperature * 0.9, temperature * 1.1] {
            XCTAssertLessThan(best, TemperatureScaling.negativeLogLikelihood(logits: logits, labels: labels, classes: 2, temperature: other))
        }
    }

    func testMulticlassTemperature() throws {
        // Three classes whose logits are a calibrated softmax's, doubled.
        var rng = SeededGenerator(seed: 5)
        var logits = [Double](), labels = [Int]()
        for _ in 0..<15_000 {
            let row = (0..<3).map { _ in Double(rng.nextUniform()) * 4 - 2 }
            let exps = row.map(exp), total = exps.reduce(0, +)
            let draw = Double(rng.nextUniform()) * total
            labels.append(draw < exps[0] ? 0 : (draw < exps[0] + exps[1] ? 1 : 2))
            logits += row.map { $0 * 2 }
        }
        XCTAssertEqual(try TemperatureScaling.fit(logits: logits, labels: labels, classes: 3), 2, accuracy: 0.12)
    }

    func testFitRefusesOneClassAndNonFiniteLogits() {
        XCTAssertThrowsError(try TemperatureScaling.fit(logits: [1, 2, 3], labels: [1, 1, 1], classes: 2))
        XCTAssertThrowsError(try TemperatureScaling.fit(logits: [1, .nan], labels: [0, 1], classes: 2))
        XCTAssertThrowsError(try TemperatureScaling.fit(logits: [1], labels: [0, 1], classes: 2))
    }

    func testCalibrationMetricsByHand() {
        // Four images in two bins: stated 0.1 (bin 1) twice, one positive; stated 0.9 (bin 13) twice, both positive.
        let metrics = CalibrationMetrics.measure(labels: [0, 1, 1, 1], probabilities: [[0.9, 0.1], [0.9, 0.1], [0.1, 0.9], [0.1, 0.9]])
        // |0.1 - 0.5| x 2/4 + |0.9 - 1| x 2/4 = 0.25
        XCTAssertEqual(metrics.expectedCalibrationError, 0.25, accuracy: 1e-12)
        // Positive-class Brier: (0.01 + 0.81 + 0.01 + 0.01) / 4
        XCTAssertEqual(metrics.brierScore, 0.21, accuracy: 1e-12)
        XCTAssertEqual(metrics.bins.count, 15)
        XCTAssertEqual(metrics.bins[1].count, 2)
        XCTAssertEqual(metrics.bins[13].observedFrequency, 1)
    }

    func testCalibrationLowersECEOfAnOverconfidentModel() throws {
        let (logits, labels) = overconfident(scale: 3, count: 5000)
        let floats = logits.map(Float.init)
        let temperature = try TemperatureScaling.fit(logits: logits, labels: labels, classes: 2)
        let raw = CalibrationMetrics.measure(labels: labels, probabilities: TrainedModel.probabilities(fromLogits: floats, count: labels.count, classes: 2))
        let fixed = CalibrationMetrics.measure(
            labels: labels, probabilities: TrainedModel.probabilities(fromLogits: floats, count: labels.count, classes: 2, temperature: temperature))
        XCTAssertGreaterThan(raw.expectedCalibrationError, 0.05)
        XCTAssertLessThan(fixed.expectedCalibrationError, 0.03)
    }

    func testCalibratedMetadataKeepsEveryDecisionAndAddsOperatingPoints() throws {
        let (logits, labels) = overconfident(scale: 3, count: 2000)
        let floats = logits.map(Float.init)
        let raw = TrainedModel.probabilities(fromLogits: floats, count: labels.count, classes: 2).map { $0[1] }
        let inUse = try ThresholdChoice.choose(.youden, labels: labels, probabilities: raw)
        var metadata = CheckpointMetadata(
            architecture: .object([:]), input: InputSpec(width: 8, height: 8, channels: 1), preprocessing: .object([:]),
            classNames: ["normal", "pneumonia"], threshold: inUse, trainingOptions: .object([:]), metrics: [:],
            dataFingerprint: "test", engineVersion: "test")
        metadata = try Calibrator.calibrated(metadata, logits: floats, labels: labels, fittedOn: "validation")
        let calibration = try XCTUnwrap(metadata.calibration)
        XCTAssertLessThan(calibration.after.expectedCalibrationError, calibration.before.expectedCalibrationError)

        let calibrated = TrainedModel.probabilities(fromLogits: floats, count: labels.count, classes: 2, temperature: calibration.temperature)
            .map { $0[1] }
        let newThreshold = try XCTUnwrap(metadata.threshold?.threshold)
        XCTAssertEqual(zip(raw, calibrated).filter { ($0 >= inUse.threshold) != ($1 >= newThreshold) }.count, 0,
                       "the temperature keeps the order, so every decision stays")
        XCTAssertEqual(metadata.threshold?.sensitivity, inUse.sensitivity)
        XCTAssertEqual(metadata.threshold?.specificity, inUse.specificity)

        let points = try XCTUnwrap(metadata.operatingPoints)
        XCTAssertEqual(points.map(\.strategy), Calibrator.operatingGoals)
        for (point, target) in zip(points.dropFirst(), [0.95, 0.97, 0.99]) { XCTAssertGreaterThanOrEqual(point.sensitivity, target) }
        XCTAssertGreaterThanOrEqual(points[1].threshold, points[3].threshold, "a higher sensitivity needs a lower threshold")
        XCTAssertEqual(metadata.problems(), [])
    }

    func testCalibrateStoresTheTemperatureThatLoadingAppliesAndEvaluationReports() throws {
        let directory = try temporaryDirectory(self)
        let root = try EvaluateFixture.dataSet(in: directory)
        let context = try EvaluateFixture.cpu()
        let model = try EvaluateFixture.model(classNames: ["normal", "pneumonia"], context: context)
        let stem = directory.appendingPathComponent("model")
        let threshold = ThresholdChoice(strategy: .youden, threshold: 0.5, sensitivity: 1, specificity: 1, chosenOn: "validation")
        try EvaluateFixture.save(model, to: stem, threshold: threshold)
        let before = try EvaluateFixture.save(model, to: directory.appendingPathComponent("plain"))

        let metadata = try Calibrator.calibrate(checkpoint: stem, dataRoot: root, context: context, useCache: false)
        let temperature = try XCTUnwrap(metadata.calibration?.temperature)
        XCTAssertNotEqual(temperature, 1)
        let loaded = try TrainedModel.load(from: stem, context: context)
        XCTAssertEqual(loaded.temperature, temperature)
        XCTAssertEqual(loaded.metadata?.operatingPoints?.count, 4)

        let evaluation = try Evaluator.run(EvaluateFixture.options(stem, root), context: context).result
        let plain = try Evaluator.run(EvaluateFixture.options(before.metadata, root), context: context).result
        XCTAssertEqual(evaluation.calibration?.calibrated, true)
        XCTAssertEqual(plain.calibration?.calibrated, false)
        XCTAssertEqual(evaluation.binary?.metrics.rocAUC, plain.binary?.metrics.rocAUC, "calibration never changes the ranking")
        XCTAssertEqual(evaluation.calibration?.uncalibrated, plain.calibration?.reported)
        XCTAssertEqual(evaluation.operatingPoints?.count, 4)
        XCTAssertTrue(EvaluationTable.render(evaluation).contains("temperature"))
        let html = try EvaluationReport.build(Evaluator.run(EvaluateFixture.options(stem, root), context: context)).render()
        XCTAssertTrue(html.contains("Reliability diagram") && html.contains("Operating points"))
    }
}
