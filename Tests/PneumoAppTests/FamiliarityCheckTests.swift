import Engine
import Foundation
import OpenCLKit
import PneumoData
import SeededRandom
import XCTest
@testable import PneumoApp

/// The familiarity check on a real checkpoint: fitted by calibration, stored, loaded, and
/// applied by predict (refused or flagged) and by ensembles, on the fixture's tiny model whose
/// features are the image's mean brightness.
final class FamiliarityCheckTests: XCTestCase {
    private var context: ComputeContext!
    private var directory: URL!
    private var root: URL!
    private var stem: URL!

    override func setUpWithError() throws {
        directory = try temporaryDirectory(self)
        root = try EvaluateFixture.dataSet(in: directory)
        context = try EvaluateFixture.cpu()
        stem = directory.appendingPathComponent("model")
        try EvaluateFixture.save(try EvaluateFixture.model(classNames: ["normal", "pneumonia"], context: context), to: stem)
    }

    /// A JPEG every image rule passes (large, textured at the model's 32 px, many grey levels)
    /// that is far brighter than any X-ray: 20 px squares of grey between 150 and 255.
    private func brightNoise() throws -> URL {
        var generator = SeededGenerator(seed: 9)
        let squares = (0..<(15 * 15)).map { _ in UInt8.random(in: 150...255, using: &generator) }
        var pixels = [UInt8](repeating: 0, count: 300 * 300)
        for y in 0..<300 {
            for x in 0..<300 { pixels[y * 300 + x] = squares[(y / 20) * 15 + x / 20] }
        }
        let file = directory.appendingPathComponent("bright-noise.jpeg")
        try Data(try JPEGEncoder.encodeGray(GrayImage(width: 300, height: 300, pixels: pixels), quality: 95)).write(to: file)
        return file
    }

    func testCalibrationFitsTheCheckAndPredictRefusesWhatTheImageRulesLetThrough() throws {
        let metadata = try Calibrator.calibrate(checkpoint: stem, dataRoot: root, context: context, useCache: false)
        let check = try XCTUnwrap(metadata.familiarity)
        XCTAssertEqual(check.layer, "0", "the pooled features the dense head reads")
        XCTAssertEqual(check.dimension, 3)
        XCTAssertEqual(check.fittedImages, 8, "the fixture's train split")
        XCTAssertEqual(check.validationImages, 4, "its val split")

        let model = try TrainedModel.load(from: stem, context: context)
        XCTAssertEqual(model.familiarity, check, "stored and read back")
        let noise = try brightNoise()
        let validation = root.appendingPathComponent("val")
        let refused = try Predictor.run(model: model, paths: [validation, noise])
        XCTAssertEqual(refused.predictedCount, 4, "every validation image lies within the limit by construction")
        let failure = try XCTUnwrap(refused.entries.first { $0.file == noise.path }?.error)
        XCTAssertTrue(failure.contains("rule familiarity") && failure.contains("has not seen images like it"), failure)
        XCTAssertThrowsError(try Predictor.run(model: model, paths: [validation, noise], strict: true))

        let flagged = try Predictor.run(model: model, paths: [noise], lowQuality: .flag)
        let entry = try XCTUnwrap(flagged.entries.first)
        XCTAssertNotNil(entry.probabilities, "flag predicts it anyway")
        XCTAssertEqual(entry.quality?.map(\.rule), [.familiarity])

        // Evaluation scores every image and says how many the check would refuse.
        let evaluation = try Evaluator.run(EvaluateFixture.options(stem, root), context: context).result
        XCTAssertEqual(evaluation.predictions.count, 7)
        XCTAssertTrue(evaluation.notes.contains { $0.hasPrefix("familiarity check: ") && $0.contains(" of 7 images") }, "\(evaluation.notes)")

        // The card states the check and its limit, or that there is none.
        let fact = ModelCard.familiarityFact(try CheckpointStore.loadMetadata(from: stem))
        XCTAssertTrue(fact.hasPrefix("refuses images") && fact.contains(FeatureFamiliarity.format(check.limit)), fact)

        // A checkpoint calibrated before the check existed answers as before.
        var old = try CheckpointStore.loadMetadata(from: stem)
        old.familiarity = nil
        XCTAssertTrue(ModelCard.familiarityFact(old).hasPrefix("none"))
        try CheckpointStore.replaceMetadata(old, at: stem)
        let unchecked = try TrainedModel.load(from: stem, context: context)
        XCTAssertFalse(unchecked.checksFamiliarity)
        XCTAssertEqual(try Predictor.run(model: unchecked, paths: [noise]).predictedCount, 1)
    }

    func testAWideFeatureLayerGetsNoCheckAndSaysWhy() throws {
        // Flatten then the head: the classifier reads 3 x 32 x 32 = 3072 values, over the limit.
        let spec = ArchitectureSpec(
            name: "tiny-flat", input: .init(channels: 3, size: 32),
            layers: [LayerSpec(type: "Flatten"), LayerSpec(type: "Dense", units: .output)])
        let flat = directory.appendingPathComponent("flat")
        try EvaluateFixture.save(try TrainedModel(spec: spec, classNames: ["normal", "pneumonia"], context: context, seed: 2), to: flat)
        var lines = [String]()
        let metadata = try Calibrator.calibrate(checkpoint: flat, dataRoot: root, context: context, useCache: false) { lines.append($0) }
        XCTAssertNotNil(metadata.calibration, "the temperature is fitted all the same")
        XCTAssertNil(metadata.familiarity)
        XCTAssertTrue(lines.contains { $0.contains("no familiarity check") && $0.contains("3072 values") }, "\(lines)")
    }

    func testEnsembleMembersKeepTheirChecks() throws {
        try Calibrator.calibrate(checkpoint: stem, dataRoot: root, context: context, useCache: false)
        let second = directory.appendingPathComponent("second")
        try FileManager.default.copyItem(at: CheckpointPaths(stem).weights, to: CheckpointPaths(second).weights)
        try FileManager.default.copyItem(at: CheckpointPaths(stem).metadata, to: CheckpointPaths(second).metadata)
        let out = directory.appendingPathComponent("ensemble")
        let metadata = try EnsembleBuilder.build([stem, second], output: out, dataRoot: root, context: context, useCache: false)
        XCTAssertNil(metadata.familiarity, "the ensemble itself has no feature layer")
        let ensemble = try TrainedModel.load(from: out, context: context)
        XCTAssertEqual(ensemble.members.compactMap(\.familiarity).count, 2)
        XCTAssertTrue(ensemble.checksFamiliarity)
        XCTAssertTrue(ModelCard.familiarityFact(metadata).hasPrefix("each of 2 of 2 members: refuses images"))
        let result = try Predictor.run(model: ensemble, paths: [root.appendingPathComponent("val"), try brightNoise()])
        XCTAssertEqual(result.predictedCount, 4)
        XCTAssertEqual(result.failures.count, 1)
    }
}
