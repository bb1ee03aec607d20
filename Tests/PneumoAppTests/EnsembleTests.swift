import Engine
import Foundation
import OpenCLKit
import XCTest
@testable import PneumoApp

final class EnsembleTests: XCTestCase {
    private var context: ComputeContext!
    private var directory: URL!
    private var root: URL!

    override func setUpWithError() throws {
        directory = try temporaryDirectory(self)
        root = try EvaluateFixture.dataSet(in: directory)
        context = try EvaluateFixture.cpu()
    }

    /// The fixture's brightness model with its dense weights scaled: members that agree in
    /// order but differ in confidence.
    private func member(scale: Float, name: String) throws -> URL {
        let model = try EvaluateFixture.model(classNames: ["normal", "pneumonia"], context: context)
        let tensors = try model.weightTensors().map { NamedTensor(name: $0.name, shape: $0.shape, values: $0.values.map { $0 * scale }) }
        try model.setWeights(tensors)
        let stem = directory.appendingPathComponent(name)
        let threshold = ThresholdChoice(strategy: .youden, threshold: 0.5, sensitivity: 1, specificity: 1, chosenOn: "validation")
        try EvaluateFixture.save(model, to: stem, threshold: threshold)
        try Calibrator.calibrate(checkpoint: stem, dataRoot: root, context: context, useCache: false)
        return stem
    }

    func testEnsembleProbabilityIsTheCalibratedMeanOfItsMembers() throws {
        let members = [try member(scale: 1, name: "a"), try member(scale: 0.5, name: "b"), try member(scale: 0.25, name: "c")]
        let output = directory.appendingPathComponent("ensemble")
        let metadata = try EnsembleBuilder.build(members, output: output, dataRoot: root, context: context, useCache: false)
        XCTAssertNotNil(metadata.calibration)
        XCTAssertEqual(metadata.operatingPoints?.count, 4)

        let ensemble = try TrainedModel.load(from: output, context: context)
        XCTAssertEqual(ensemble.members.count, 3)
        XCTAssertTrue(ensemble.spec.name.hasPrefix("ensemble of 3"))
        var rng = SeededGenerator(seed: 2)
        let images = (0..<(4 * 3 * 32 * 32)).map { _ in rng.nextUniform() }
        let loadedMembers = try members.map { try TrainedModel.load(from: $0, context: context) }
        let memberProbabilities = try loadedMembers.map { try $0.probabilities(images: images, count: 4) }
        let got = try ensemble.probabilities(images: images, count: 4)
        for image in 0..<4 {
            let mean = memberProbabilities.map { $0[image][1] }.reduce(0, +) / 3
            let expected = 1 / (1 + exp(-log(mean / (1 - mean)) / ensemble.temperature))
            XCTAssertEqual(got[image][1], expected, accuracy: 1e-5)
        }

        // Like any checkpoint: evaluated, predicted, and explained (maps averaged over members).
        let evaluation = try Evaluator.run(EvaluateFixture.options(output, root), context: context).result
        XCTAssertNotNil(evaluation.binary?.metrics.rocAUC)
        // The members' familiarity checks, fitted on the fixture's 8 training images, may refuse a
        // test image; flagged, every one is predicted.
        let predicted = try Predictor.run(model: ensemble, paths: [root.appendingPathComponent("test")], lowQuality: .flag)
        XCTAssertEqual(predicted.failures.count, 0)
        XCTAssertEqual(predicted.predictedCount, 7)
    }

    func testGradCAMOfAnEnsembleAveragesItsMembersMaps() throws {
        let spec = TrainedModelTests.tiny
        var stems = [URL]()
        for seed in [UInt64(3), 4] {
            let model = try TrainedModel(spec: spec, classNames: ["normal", "pneumonia"], context: context, seed: seed)
            let stem = directory.appendingPathComponent("tiny-\(seed)")
            let metadata = CheckpointMetadata(
                architecture: try JSONValue(encoding: spec), input: InputSpec(width: 12, height: 12, channels: 1),
                preprocessing: .object([:]), classNames: model.classNames, threshold: nil, trainingOptions: .object([:]),
                metrics: [:], dataFingerprint: "test", engineVersion: "test")
            try CheckpointStore.save(tensors: try model.weightTensors(), metadata: metadata, to: stem)
            stems.append(stem)
        }
        let members = try stems.map { try TrainedModel.load(from: $0, context: context) }
        let architecture = EnsembleArchitecture(members: members.map { .init(architecture: $0.spec, temperature: 1, source: "test") })
        let tensors = try members.enumerated().flatMap { index, member in
            try member.weightTensors().map { NamedTensor(name: EnsembleArchitecture.prefix(index) + $0.name, shape: $0.shape, values: $0.values) }
        }
        let stem = directory.appendingPathComponent("tiny-ensemble")
        try CheckpointStore.save(tensors: tensors, metadata: CheckpointMetadata(
            architecture: try JSONValue(encoding: architecture), input: InputSpec(width: 12, height: 12, channels: 1),
            preprocessing: .object([:]), classNames: ["normal", "pneumonia"], threshold: nil, trainingOptions: .object([:]),
            metrics: [:], dataFingerprint: "test", engineVersion: "test"), to: stem)
        let ensemble = try TrainedModel.load(from: stem, context: context)

        var rng = SeededGenerator(seed: 9)
        let images = (0..<(2 * 144)).map { _ in rng.nextUniform() }
        let explained = try GradCAM(model: ensemble).explain(images: images, count: 2, target: .classIndex(1))
        let memberMaps = try members.map { try GradCAM(model: $0).explain(images: images, count: 2, target: .classIndex(1)) }
        for image in 0..<2 {
            let expected = zip(memberMaps[0][image].map.normalized().values, memberMaps[1][image].map.normalized().values).map { ($0 + $1) / 2 }
            for (got, want) in zip(explained[image].map.values, expected) { XCTAssertEqual(got, want, accuracy: 1e-6) }
            XCTAssertEqual(explained[image].probabilities, try ensemble.probabilities(images: Array(images[(image * 144)..<((image + 1) * 144)]), count: 1)[0])
        }
    }

    func testMembersValidatedOnDifferentSplitsAreRefused() throws {
        let a = try member(scale: 1, name: "a")
        let b = try member(scale: 0.5, name: "b")
        let bJSON = CheckpointPaths(b).metadata
        var object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: bJSON)) as? [String: Any])
        object["trainingOptions"] = ["validation_fraction": 0.1, "seed": 5]
        try JSONSerialization.data(withJSONObject: object).write(to: bJSON)
        XCTAssertThrowsError(try EnsembleBuilder.build([a, b], output: directory.appendingPathComponent("e"), dataRoot: root, context: context)) { error in
            XCTAssertTrue("\(error)".contains("--split-seed"), "\(error)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory.appendingPathComponent("e.json").path))
    }
}
