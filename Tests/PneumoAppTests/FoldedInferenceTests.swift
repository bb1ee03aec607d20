import Engine
import Foundation
import OpenCLKit
import XCTest
@testable import PneumoApp

/// Trained models score through their inference graph (BatchNorm folded into the convolutions):
/// the probabilities must match the unfolded graph's after training, in the same process and
/// after a checkpoint round trip (tolerance: see `InferenceFusionTests`).
final class FoldedInferenceTests: XCTestCase {
    func testTrainedAndReloadedModelGivesTheSameProbabilitiesFoldedAndUnfolded() throws {
        let context = try ComputeContext(device: try DeviceSelector.choose(flag: "cpu").device)
        let spec = try BuiltinModels.resolve("pneumonet").resized(inputSize: 16)
        let model = try TrainedModel(spec: spec, classNames: ["normal", "pneumonia"], context: context, seed: 2)
        XCTAssertTrue(model.inference.folded)
        XCTAssertEqual(model.inference.steps.first?.op.kind, "Conv2D+BatchNorm+ReLU+MaxPool2D", "one channel in: pooled as stored")
        XCTAssertEqual(model.inference.steps.filter { $0.op.kind == "MaxPool2D+Conv2D+BatchNorm+ReLU" }.count, 3)
        let count = 6
        var rng = SeededGenerator(seed: 5)
        let values = (0..<(count * 256)).map { _ in rng.nextUniform() }
        let input = try Tensor(context, shape: [count, 1, 16, 16], values: values)
        // Scored once before training: folded weights kept from this pass would be stale after it.
        _ = try model.probabilities(images: values, count: count)

        let loss = try BinaryCrossEntropy(context)
        let optimizer = try Adam(context, learningRate: 1e-2)
        let targets = try Tensor(context, shape: [count], values: [0, 1, 0, 1, 1, 0])
        for _ in 0..<3 { try model.network.trainStep(input: input, targets: targets, loss: loss, optimizer: optimizer) }

        func unfolded(_ model: TrainedModel) throws -> [[Double]] {
            let logits = try model.network.forward(input, mode: .inference).toArray()
            return TrainedModel.probabilities(fromLogits: logits, count: count, classes: 2, temperature: model.temperature)
        }
        let trained = try model.probabilities(images: values, count: count, batchSize: 4)
        assertProbabilitiesClose(trained, try unfolded(model), "after training")

        let directory = try temporaryDirectory(self)
        let metadata = CheckpointMetadata(
            architecture: try JSONValue(encoding: model.spec), input: InputSpec(width: 16, height: 16, channels: 1),
            preprocessing: .object([:]), classNames: model.classNames, threshold: nil, trainingOptions: .object([:]),
            metrics: [:], dataFingerprint: "test", engineVersion: "test")
        try CheckpointStore.save(tensors: try model.weightTensors(), metadata: metadata, to: directory)
        let loaded = try TrainedModel.load(from: directory, context: context)
        let reloaded = try loaded.probabilities(images: values, count: count, batchSize: 4)
        assertProbabilitiesClose(reloaded, try unfolded(loaded), "after reloading")
        assertProbabilitiesClose(reloaded, trained, "reloaded against trained")
    }

    /// Weights loaded into a model that has already scored (a checkpoint resumed, the averaged
    /// weights of the last epochs put in place) are the ones its next scores come from, though
    /// the folded and packed weights of the first scores are kept between passes.
    func testWeightsLoadedIntoAScoredModelAreTheOnesScoredNext() throws {
        let context = try ComputeContext(device: try DeviceSelector.choose(flag: "cpu").device)
        let spec = try BuiltinModels.resolve("pneumonet").resized(inputSize: 16)
        let scored = try TrainedModel(spec: spec, classNames: ["normal", "pneumonia"], context: context, seed: 2)
        let other = try TrainedModel(spec: spec, classNames: ["normal", "pneumonia"], context: context, seed: 3)
        var rng = SeededGenerator(seed: 6)
        let count = 4
        let values = (0..<(count * 256)).map { _ in rng.nextUniform() }
        let before = try scored.probabilities(images: values, count: count)
        let expected = try other.probabilities(images: values, count: count)
        XCTAssertNotEqual(before, expected, "the two models must score differently")
        XCTAssertEqual(try scored.probabilities(images: values, count: count), before)
        try scored.setWeights(try other.weightTensors())
        XCTAssertEqual(try scored.probabilities(images: values, count: count), expected)
    }

    private func assertProbabilitiesClose(_ actual: [[Double]], _ expected: [[Double]], _ message: String, line: UInt = #line) {
        XCTAssertEqual(actual.count, expected.count, message, line: line)
        for (a, e) in zip(actual.joined(), expected.joined()) {
            XCTAssertEqual(a, e, accuracy: 1e-5, message, line: line)
        }
    }
}
