import Engine
import Foundation
import OpenCLKit
import PneumoData
import XCTest
@testable import PneumoApp

/// A tiny chest X-ray data set copied from the shared one, and checkpoints of a small model
/// whose weights make its probabilities depend on image brightness, so they differ per image.
enum EvaluateFixture {
    /// The shared data set, found from this file's location.
    static let sharedRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("shared/data/chest_xray", isDirectory: true)

    /// Images per split and class folder: (normal, bacterial, viral).
    static let layout: [(DatasetSplit, normal: Int, bacteria: Int, virus: Int)] = [
        (.train, 4, 2, 2), (.val, 2, 2, 0), (.test, 3, 2, 2),
    ]

    /// Copies the layout's images into `directory`/chest_xray and returns that root.
    static func dataSet(in directory: URL) throws -> URL {
        guard FileManager.default.fileExists(atPath: sharedRoot.path) else {
            throw XCTSkip("the shared chest X-ray data set is not at \(sharedRoot.path)")
        }
        let root = directory.appendingPathComponent("chest_xray", isDirectory: true)
        for (split, normal, bacteria, virus) in layout {
            try copy(split, "NORMAL", count: normal, matching: { _ in true }, to: root)
            try copy(split, "PNEUMONIA", count: bacteria, matching: { $0.contains("bacteria") }, to: root)
            try copy(split, "PNEUMONIA", count: virus, matching: { $0.contains("virus") }, to: root)
        }
        return root
    }

    private static func copy(_ split: DatasetSplit, _ folder: String, count: Int, matching: (String) -> Bool, to root: URL) throws {
        guard count > 0 else { return }
        let source = sharedRoot.appendingPathComponent(split.rawValue).appendingPathComponent(folder)
        let names = try FileManager.default.contentsOfDirectory(atPath: source.path)
            .filter { DatasetScanner.isImageName($0) && matching($0) }.sorted().prefix(count)
        guard names.count == count else { throw XCTSkip("\(source.path) holds fewer than \(count) matching images") }
        let target = root.appendingPathComponent(split.rawValue).appendingPathComponent(folder)
        try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
        for name in names {
            try FileManager.default.copyItem(at: source.appendingPathComponent(name), to: target.appendingPathComponent(name))
        }
    }

    /// Global average pooling then the classifier head: three identical channels of 32 px.
    static let spec = ArchitectureSpec(
        name: "tiny-gap", input: .init(channels: 3, size: 32),
        layers: [LayerSpec(type: "GlobalAvgPool"), LayerSpec(type: "Dense", units: .output)])

    /// A model whose logits are steep functions of mean brightness: class 1 brighter for two
    /// classes; for three, one logit rising, one falling and one peaking in the middle.
    static func model(classNames: [String], context: ComputeContext) throws -> TrainedModel {
        let model = try TrainedModel(spec: spec, classNames: classNames, context: context, seed: 1)
        let weights: [Float], bias: [Float]
        if classNames.count == 2 {
            weights = [8, 8, 8]
            bias = [-12]
        } else {
            weights = [-8, -8, -8, 8, 8, 8, 0, 0, 0]
            bias = [12, -12, 0]
        }
        var tensors = try model.weightTensors()
        for index in tensors.indices {
            if tensors[index].name.hasSuffix("weight") { tensors[index] = NamedTensor(name: tensors[index].name, shape: tensors[index].shape, values: weights) }
            if tensors[index].name.hasSuffix("bias") { tensors[index] = NamedTensor(name: tensors[index].name, shape: tensors[index].shape, values: bias) }
        }
        try model.setWeights(tensors)
        return model
    }

    /// Saves `model` as a checkpoint at `stem` with the given threshold and training options.
    @discardableResult
    static func save(
        _ model: TrainedModel, to stem: URL, threshold: ThresholdChoice? = nil, trainingOptions: JSONValue = .object([:])
    ) throws -> CheckpointPaths {
        let metadata = CheckpointMetadata(
            architecture: try JSONValue(encoding: model.spec), input: InputSpec(width: 32, height: 32, channels: 3),
            preprocessing: .object(["side": .integer(32)]), classNames: model.classNames, threshold: threshold,
            trainingOptions: trainingOptions, metrics: ["val_auc": 0.9], dataFingerprint: "tiny", engineVersion: "test")
        return try CheckpointStore.save(tensors: try model.weightTensors(), metadata: metadata, to: stem)
    }

    static func cpu() throws -> ComputeContext {
        try ComputeContext(device: try DeviceSelector.choose(flag: "cpu").device)
    }

    static func options(_ checkpoint: URL, _ root: URL, threshold: ThresholdRequest = .fromCheckpoint) -> EvaluationOptions {
        EvaluationOptions(
            checkpoint: checkpoint, dataRoot: root, threshold: threshold, bootstrap: BootstrapOptions(resamples: 200, seed: 3),
            batchSize: 4, useCache: false, examples: 4)
    }
}

/// Checks of the fixture itself, so a failure elsewhere is not blamed on it.
final class EvaluateFixtureTests: XCTestCase {
    func testFixtureCopiesTheLayoutAndTheModelSeparatesImages() throws {
        let root = try EvaluateFixture.dataSet(in: try temporaryDirectory(self))
        let scan = try DatasetScanner.scanKaggle(root: root, labels: .threeClass)
        XCTAssertEqual(scan.samples(in: .test).map(\.label), [0, 0, 0, 1, 1, 2, 2])
        let context = try EvaluateFixture.cpu()
        let model = try EvaluateFixture.model(classNames: ["normal", "pneumonia"], context: context)
        let images = try DatasetPreparation(root: root, labels: .binary, side: 32, useCache: false).load(.test).images
        let probabilities = try ImageScoring.probabilities(of: images, model: model, batchSize: 3).map { $0[1] }
        XCTAssertEqual(Set(probabilities).count, probabilities.count, "probabilities should differ per image: \(probabilities)")
        XCTAssertTrue(probabilities.allSatisfy { $0 > 0.001 && $0 < 0.999 }, "\(probabilities)")
    }
}
