import Engine
import Foundation
import OpenCLKit
import XCTest
@testable import PneumoApp

final class TrainedModelTests: XCTestCase {
    func cpu() throws -> ComputeContext {
        try ComputeContext(device: try DeviceSelector.choose(flag: "cpu").device)
    }

    static let tiny = ArchitectureSpec(
        name: "tiny", input: .init(channels: 1, size: 12),
        layers: [
            LayerSpec(type: "Conv2D", filters: 4, kernel: 3, padding: "same"),
            LayerSpec(type: "BatchNorm"), LayerSpec(type: "ReLU"), LayerSpec(type: "MaxPool2D", size: 2),
            LayerSpec(type: "GlobalAvgPool"), LayerSpec(type: "Dense", units: .output),
        ])

    func metadata(for model: TrainedModel) throws -> CheckpointMetadata {
        CheckpointMetadata(
            architecture: try JSONValue(encoding: model.spec), input: InputSpec(width: 12, height: 12, channels: 1),
            preprocessing: .object([:]), classNames: model.classNames, threshold: nil, trainingOptions: .object([:]),
            metrics: [:], dataFingerprint: "test", engineVersion: "test")
    }

    func testCheckpointRoundTripGivesTheSameProbabilities() throws {
        let context = try cpu()
        let model = try TrainedModel(spec: Self.tiny, classNames: ["normal", "pneumonia"], context: context, seed: 3)
        var rng = SeededGenerator(seed: 1)
        let images = (0..<(5 * 144)).map { _ in rng.nextUniform() }
        let before = try model.probabilities(images: images, count: 5, batchSize: 2)
        XCTAssertEqual(before.count, 5)
        for row in before { XCTAssertEqual(row.reduce(0, +), 1, accuracy: 1e-9) }

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pneumo-model-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try CheckpointStore.save(tensors: try model.weightTensors(), metadata: try metadata(for: model), to: directory)
        let loaded = try TrainedModel.load(from: directory, context: context)
        XCTAssertEqual(loaded.spec, Self.tiny)
        XCTAssertEqual(try loaded.probabilities(images: images, count: 5), before)
        XCTAssertEqual(loaded.threshold, 0.5)
    }

    func testWeightsWithAWrongShapeAreRefusedByName() throws {
        let context = try cpu()
        let model = try TrainedModel(spec: Self.tiny, classNames: ["normal", "pneumonia"], context: context, seed: 3)
        var tensors = try model.weightTensors()
        tensors[0] = NamedTensor(name: tensors[0].name, shape: [1], values: [0])
        XCTAssertThrowsError(try model.setWeights(tensors)) { error in
            XCTAssertTrue("\(error)".contains("0.weight"), "\(error)")
        }
        XCTAssertThrowsError(try model.setWeights(Array(tensors.dropFirst()))) { error in
            XCTAssertTrue("\(error)".contains("missing"), "\(error)")
        }
    }

    func testBuiltinModelsHaveTheNotebooksParameterCounts() throws {
        let context = try cpu()
        let expected = ["seed-dense": 3_147_905, "seed-cnn": 49_057, "seed-cnn-tuned": 3_304_769]
        for (name, count) in expected {
            let network = try ModelBuilder.build(try BuiltinModels.resolve(name), classes: 2, context: context, seed: 1)
            XCTAssertEqual(network.parameterCount, count, name)
        }
        let pneumonet = try ModelBuilder.build(try BuiltinModels.resolve("pneumonet"), classes: 3, context: context, seed: 1)
        XCTAssertEqual(try pneumonet.outputShapes(batch: 2).last, [2, 3])
        XCTAssertTrue(try pneumonet.summary(name: "pneumonet").contains("Total params"))
    }

    func testArchitectureErrorsNameTheLayer() throws {
        let context = try cpu()
        var spec = Self.tiny
        spec.layers.insert(LayerSpec(type: "Dense", units: .fixed(4)), at: 0)
        XCTAssertThrowsError(try ModelBuilder.build(spec, classes: 2, context: context, seed: 1)) { error in
            XCTAssertEqual("\(error)".hasPrefix("layer 0"), true, "\(error)")
        }
        XCTAssertThrowsError(try BuiltinModels.resolve("resnet")) { error in
            XCTAssertTrue("\(error)".contains("pneumonet"), "\(error)")
        }
    }

    func testDataLocatorOrder() throws {
        let here = FileManager.default.temporaryDirectory
        XCTAssertEqual(try DataLocator.locate(here.path, environment: [:]).path, here.path)
        XCTAssertEqual(try DataLocator.locate(nil, environment: ["PNEUMO_DATA": here.path]).path, here.path)
        XCTAssertThrowsError(try DataLocator.locate("/nonexistent/x", environment: [:]))
        let empty = here.appendingPathComponent("no-shared-\(UUID().uuidString)")
        XCTAssertThrowsError(try DataLocator.locate(nil, environment: [:], workingDirectory: empty)) { error in
            XCTAssertTrue("\(error)".contains("Kermany"), "\(error)")
        }
    }
}
