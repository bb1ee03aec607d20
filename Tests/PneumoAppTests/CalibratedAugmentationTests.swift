import Engine
import Foundation
import OpenCLKit
import PneumoData
import XCTest
@testable import PneumoApp

/// Test-time augmentation as part of a checkpoint: fitted with its temperature, then used by
/// every command that scores images.
final class CalibratedAugmentationTests: XCTestCase {
    private var context: ComputeContext!
    private var directory: URL!

    override func setUpWithError() throws {
        directory = try temporaryDirectory(self)
        context = try EvaluateFixture.cpu()
    }

    private func randomValues(count: Int, seed: UInt64) -> [Float] {
        var rng = SeededGenerator(seed: seed)
        return (0..<count).map { _ in rng.nextUniform() }
    }

    func testPreparedValuesAreResampledLikeGrayBytes() {
        let side = 16
        let bytes = (0..<(2 * side * side)).map { UInt8(($0 * 37) % 256) }
        let preprocessing = InputPreprocessing(side: side, channels: 1)
        for variant in TestTimeAugmentation.standard.variants {
            guard case let .pixels(moved) = TestTimeAugmentation.apply(variant, to: .pixels(bytes), count: 2, preprocessing),
                  case let .values(movedValues) = TestTimeAugmentation.apply(variant, to: .values(bytes.map(Float.init)), count: 2, preprocessing)
            else { return XCTFail("the form of the images changed") }
            for (byte, value) in zip(moved, movedValues) { XCTAssertEqual(Float(byte), value, accuracy: 0.5) }
        }
    }

    func testEachChannelOfPreparedValuesMovesAlike() {
        let side = 8
        let plane = (0..<(side * side)).map { Float($0 % 11) }
        let preprocessing = InputPreprocessing(side: side, channels: 3)
        let variant = TestTimeAugmentation.Variant(shiftX: 0.125, shiftY: -0.125, scale: 1.05)
        guard case let .values(moved) = TestTimeAugmentation.apply(variant, to: .values(plane + plane + plane), count: 1, preprocessing) else {
            return XCTFail("the form of the images changed")
        }
        XCTAssertNotEqual(Array(moved[0..<plane.count]), plane)
        XCTAssertEqual(Array(moved[0..<plane.count]), Array(moved[plane.count..<(2 * plane.count)]))
        XCTAssertEqual(Array(moved[0..<plane.count]), Array(moved[(2 * plane.count)...]))
    }

    func testAModelWithTestTimeAugmentationScoresTheMeanLogitOfTheCopies() throws {
        let model = try TrainedModel(spec: TrainedModelTests.tiny, classNames: ["normal", "pneumonia"], context: context, seed: 5)
        let count = 3, side = TrainedModelTests.tiny.input.size
        let images = randomValues(count: count * side * side, seed: 7)
        let perVariant = try TestTimeAugmentation.standard.variants.map { variant in
            try model.logits(TestTimeAugmentation.apply(variant, to: .values(images), count: count, model.preprocessing), count: count)
        }
        let single = try model.logits(images: images, count: count)
        model.scoringAugmentation = .standard
        let augmented = try model.logits(images: images, count: count)
        for image in 0..<count {
            let mean = perVariant.map { Double($0[image]) }.reduce(0, +) / Double(perVariant.count)
            XCTAssertEqual(Double(augmented[image]), mean, accuracy: 1e-5)
        }
        XCTAssertNotEqual(augmented, single, "the copies must change the answer of a network with spatial weights")
        let probabilities = try model.probabilities(images: images, count: count)
        for image in 0..<count { XCTAssertEqual(probabilities[image][1], 1 / (1 + exp(-Double(augmented[image]))), accuracy: 1e-9) }
    }

    func testANonFiniteOutputNamesTheImageNotTheCopy() throws {
        // No ReLU, whose max(NaN, 0) would hide the NaN.
        let spec = ArchitectureSpec(
            name: "linear", input: .init(channels: 1, size: 12),
            layers: [LayerSpec(type: "Conv2D", filters: 2, kernel: 3, padding: "same"), LayerSpec(type: "GlobalAvgPool"), LayerSpec(type: "Dense", units: .output)])
        let model = try TrainedModel(spec: spec, classNames: ["normal", "pneumonia"], context: context, seed: 5)
        let side = spec.input.size, count = 3
        var images = randomValues(count: count * side * side, seed: 13)
        // Image 1's last column is NaN; the first copy (shifted right by a quarter) never reads
        // it, so the first non-finite output is the second copy's, at position count + 1.
        for y in 0..<side { images[side * side + y * side + side - 1] = .nan }
        model.scoringAugmentation = TestTimeAugmentation(variants: [.init(shiftX: 0.25, shiftY: 0, scale: 1), .identity])
        XCTAssertThrowsError(try model.logits(images: images, count: count)) { error in
            XCTAssertEqual((error as? NonFiniteOutputError)?.imageIndex, 1)
        }
    }

    func testCalibratingWithTestTimeAugmentationStoresItAndEveryCommandScoresThatWay() throws {
        let root = try EvaluateFixture.dataSet(in: directory)
        let model = try EvaluateFixture.model(classNames: ["normal", "pneumonia"], context: context)
        let stem = directory.appendingPathComponent("model")
        let threshold = ThresholdChoice(strategy: .youden, threshold: 0.5, sensitivity: 1, specificity: 1, chosenOn: "validation")
        try EvaluateFixture.save(model, to: stem, threshold: threshold)
        let plain = try Calibrator.calibrate(checkpoint: stem, dataRoot: root, context: context, useCache: false)
        XCTAssertNil(plain.calibration?.testTimeAugmentation)

        let fitted = try Calibrator.calibrate(checkpoint: stem, dataRoot: root, context: context, useCache: false, augmentation: .on(.standard))
        let record = try XCTUnwrap(fitted.calibration)
        XCTAssertEqual(record.testTimeAugmentation, .standard)
        XCTAssertNotEqual(record.before.brierScore, plain.calibration?.before.brierScore, "the fit saw the averaged logits")
        XCTAssertTrue(CalibrationSummary.text(fitted).contains("test-time augmentation"))
        let loaded = try TrainedModel.load(from: stem, context: context)
        XCTAssertEqual(loaded.scoringAugmentation, .standard)

        // Evaluated on the images it was fitted on, the checkpoint gives back the fit's figures.
        var options = EvaluateFixture.options(stem, root)
        options.onValidationShare = true
        let onValidation = try Evaluator.run(options, context: context).result
        XCTAssertEqual(try XCTUnwrap(onValidation.calibration?.reported.brierScore), record.after.brierScore, accuracy: 1e-6)
        XCTAssertTrue(onValidation.notes.contains { $0.contains("as the checkpoint was calibrated") })
        options.augmentation = .off
        let single = try Evaluator.run(options, context: context).result
        XCTAssertTrue(single.notes.contains { $0.contains("fitted on test-time augmentation") })
        XCTAssertNotEqual(single.predictions.map(\.probabilities), onValidation.predictions.map(\.probabilities))

        // Predict reports what evaluation does.
        let prediction = try Predictor.run(model: loaded, paths: [root.appendingPathComponent("val")])
        let byName = Dictionary(uniqueKeysWithValues: onValidation.predictions.map { (URL(fileURLWithPath: $0.file).lastPathComponent, $0.probabilities) })
        XCTAssertEqual(prediction.predictedCount, 4)
        for row in prediction.entries {
            let expected = try XCTUnwrap(byName[URL(fileURLWithPath: row.file).lastPathComponent])
            XCTAssertEqual(try XCTUnwrap(row.probabilities)[1], expected[1], accuracy: 1e-9)
        }

        // Calibrating again keeps it unless asked; --no-tta removes it.
        XCTAssertEqual(try Calibrator.calibrate(checkpoint: stem, dataRoot: root, context: context, useCache: false).calibration?.testTimeAugmentation, .standard)
        let removed = try Calibrator.calibrate(checkpoint: stem, dataRoot: root, context: context, useCache: false, augmentation: .off)
        XCTAssertNil(removed.calibration?.testTimeAugmentation)
        XCTAssertEqual(removed.calibration?.temperature, plain.calibration?.temperature)
        XCTAssertNil(try TrainedModel.load(from: stem, context: context).scoringAugmentation)
    }

    func testAnEnsembleOfAugmentedMembersScoresWithTheirAugmentation() throws {
        let root = try EvaluateFixture.dataSet(in: directory)
        var members = [URL]()
        for (index, scale) in [Float(1), 0.5].enumerated() {
            let model = try EvaluateFixture.model(classNames: ["normal", "pneumonia"], context: context)
            try model.setWeights(try model.weightTensors().map { NamedTensor(name: $0.name, shape: $0.shape, values: $0.values.map { $0 * scale }) })
            let stem = directory.appendingPathComponent("member-\(index)")
            try EvaluateFixture.save(model, to: stem)
            try Calibrator.calibrate(checkpoint: stem, dataRoot: root, context: context, useCache: false, augmentation: .on(.standard))
            members.append(stem)
        }
        let output = directory.appendingPathComponent("ensemble")
        let metadata = try EnsembleBuilder.build(members, output: output, dataRoot: root, context: context, useCache: false)
        XCTAssertEqual(metadata.calibration?.testTimeAugmentation, .standard)
        let without = try EnsembleBuilder.build(
            members, output: directory.appendingPathComponent("ensemble-plain"), dataRoot: root, context: context, useCache: false,
            augmentation: .off)
        XCTAssertNil(without.calibration?.testTimeAugmentation)
        let ensemble = try TrainedModel.load(from: output, context: context)
        XCTAssertEqual(ensemble.scoringAugmentation, .standard)
        XCTAssertTrue(ensemble.members.allSatisfy { $0.scoringAugmentation == nil }, "each copy goes through the members once")
    }

    func testGradCAMReportsTheAugmentedProbabilitiesWithTheMapOfTheImageAsItIs() throws {
        let model = try TrainedModel(spec: TrainedModelTests.tiny, classNames: ["normal", "pneumonia"], context: context, seed: 3)
        let side = TrainedModelTests.tiny.input.size
        let images = randomValues(count: 2 * side * side, seed: 11)
        let plainMaps = try GradCAM(model: model).explain(images: images, count: 2, target: .classIndex(1))
        model.scoringAugmentation = .standard
        let explained = try GradCAM(model: model).explain(images: images, count: 2, target: .classIndex(1))
        let probabilities = try model.probabilities(images: images, count: 2)
        for image in 0..<2 {
            XCTAssertEqual(explained[image].probabilities, probabilities[image])
            XCTAssertEqual(explained[image].map.values, plainMaps[image].map.values)
            XCTAssertEqual(explained[image].explainedClass, 1)
        }
        XCTAssertNotEqual(explained.map(\.probabilities), plainMaps.map(\.probabilities))
    }

    func testStoredAugmentationIsCheckedAndOlderRecordsReadWithout() throws {
        let metrics = CalibrationMetrics.measure(labels: [0, 1], probabilities: [[0.8, 0.2], [0.3, 0.7]])
        var record = CalibrationRecord(temperature: 1.5, fittedOn: "validation", images: 2, before: metrics, after: metrics)
        let encoded = try JSONEncoder().encode(record)
        XCTAssertFalse(String(decoding: encoded, as: UTF8.self).contains("testTimeAugmentation"), "records without it are written as before")
        XCTAssertNil(try JSONDecoder().decode(CalibrationRecord.self, from: encoded).testTimeAugmentation)

        record.testTimeAugmentation = .standard
        XCTAssertEqual(try JSONDecoder().decode(CalibrationRecord.self, from: JSONEncoder().encode(record)), record)
        XCTAssertEqual(record.problems(), [])
        record.testTimeAugmentation = TestTimeAugmentation(variants: [])
        XCTAssertTrue(record.problems().contains { $0.contains("no copies") })
        record.testTimeAugmentation = TestTimeAugmentation(variants: [.init(shiftX: 0.5, shiftY: 0, scale: 1), .init(shiftX: 0, shiftY: 0, scale: 3)])
        XCTAssertEqual(record.problems().count, 2)
        record.testTimeAugmentation = TestTimeAugmentation(variants: [.init(shiftX: .nan, shiftY: 0, scale: 1)])
        XCTAssertEqual(record.problems().count, 1)
    }

    func testTrainingOptionAndFlags() throws {
        var arguments = TrainingArguments()
        XCTAssertEqual(try arguments.resolve().testTimeAugmentation, true, "the default recipe calibrates with it")
        arguments.recipe = "notebook"
        XCTAssertNil(try arguments.resolve().testTimeAugmentation)
        arguments.recipe = nil
        arguments.testTimeAugmentation = false
        XCTAssertEqual(try arguments.resolve().testTimeAugmentation, false)
        arguments.testTimeAugmentation = true
        XCTAssertEqual(try arguments.resolve().testTimeAugmentation, true)
        XCTAssertTrue(arguments.givenOptions.contains("--tta"))
        let stored = try JSONEncoder().encode(try arguments.resolve())
        XCTAssertTrue(String(decoding: stored, as: UTF8.self).contains("\"test_time_augmentation\":true"))
        XCTAssertEqual(TestTimeAugmentationChoice(flag: nil), .asStored)
        XCTAssertEqual(TestTimeAugmentationChoice(flag: true), .on(.standard))
        XCTAssertEqual(TestTimeAugmentationChoice(flag: false), .off)
        XCTAssertEqual(TestTimeAugmentationChoice.asStored.resolved(stored: .standard), .standard)
        XCTAssertNil(TestTimeAugmentationChoice.off.resolved(stored: .standard))
    }
}
