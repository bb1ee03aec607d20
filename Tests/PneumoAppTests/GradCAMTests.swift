import Engine
import Foundation
import OpenCLKit
import XCTest
@testable import PneumoApp

final class GradCAMTests: XCTestCase {
    func cpu() throws -> ComputeContext {
        try ComputeContext(device: try DeviceSelector.choose(flag: "cpu").device)
    }

    /// Two conv blocks with normalisation, then pooling, dropout, normalisation of the features and a
    /// two-layer head: every kind of layer Grad-CAM has to pass through after the explained one.
    static let twoBlocks = ArchitectureSpec(
        name: "two-blocks", input: .init(channels: 1, size: 10),
        layers: [
            LayerSpec(type: "Conv2D", filters: 3, kernel: 3, padding: "same"),
            LayerSpec(type: "BatchNorm"), LayerSpec(type: "ReLU"),
            LayerSpec(type: "Conv2D", filters: 4, kernel: 3, padding: "same"),
            LayerSpec(type: "BatchNorm"), LayerSpec(type: "LeakyReLU", slope: 0.1),
            LayerSpec(type: "MaxPool2D", size: 2), LayerSpec(type: "Dropout", rate: 0.5),
            LayerSpec(type: "Flatten"), LayerSpec(type: "BatchNorm"),
            LayerSpec(type: "Dense", activation: "tanh", units: .fixed(6)),
            LayerSpec(type: "Dense", units: .output),
        ])

    /// A model with running statistics far from their initial values, so that batch statistics
    /// or an active dropout would change every number.
    func trainedLooking(_ spec: ArchitectureSpec, classes: [String], context: ComputeContext) throws -> TrainedModel {
        let model = try TrainedModel(spec: spec, classNames: classes, context: context, seed: 11)
        var rng = SeededGenerator(seed: 5)
        let tensors = try model.weightTensors().map { tensor -> NamedTensor in
            if tensor.name.hasSuffix("running_mean") {
                return NamedTensor(name: tensor.name, shape: tensor.shape, values: tensor.values.map { _ in 0.3 * rng.nextNormal() })
            }
            if tensor.name.hasSuffix("running_var") {
                return NamedTensor(name: tensor.name, shape: tensor.shape, values: tensor.values.map { _ in 0.5 + rng.nextUniform() })
            }
            if tensor.name.hasSuffix(".bias") {
                return NamedTensor(name: tensor.name, shape: tensor.shape, values: tensor.values.map { _ in 0.2 * rng.nextNormal() })
            }
            return tensor
        }
        try model.setWeights(tensors)
        return model
    }

    func testDefaultLayerIsTheLastConvolutionAfterItsActivation() throws {
        let context = try cpu()
        let model = try trainedLooking(Self.twoBlocks, classes: ["normal", "pneumonia"], context: context)
        XCTAssertEqual(try GradCAM(model: model).node, "5")
        XCTAssertEqual(try GradCAM(model: model).layerDescription, "5 LeakyReLU")
        let pneumonet = try ModelBuilder.build(try BuiltinModels.resolve("pneumonet"), classes: 2, context: context, seed: 1)
        XCTAssertEqual(try GradCAM.defaultNode(in: pneumonet).flatMap { pneumonet.node(named: $0)?.op.kind }, "ReLU")
        XCTAssertEqual(try GradCAM.defaultNode(in: pneumonet), pneumonet.nodes.lastIndex { $0.op is Conv2D }.map { "\($0 + 2)" })
        let dense = try TrainedModel(spec: try BuiltinModels.resolve("seed-dense").resized(inputSize: 8), classNames: ["a", "b"], context: context, seed: 1)
        XCTAssertThrowsError(try GradCAM(model: dense)) { error in
            XCTAssertEqual(error as? ExplainError, .noSpatialLayer(model: "seed-dense"))
        }
        XCTAssertThrowsError(try GradCAM(model: model, node: "8")) { error in
            XCTAssertTrue("\(error)".contains("not [N, C, H, W]"), "\(error)")
        }
        XCTAssertThrowsError(try GradCAM(model: model, node: "stem")) { error in
            XCTAssertTrue("\(error)".contains("no such node"), "\(error)")
        }
        // Any node can be explained: a BatchNorm whose ReLU training fuses into it too.
        let atNorm = try GradCAM(model: model, node: "1")
        XCTAssertEqual(atNorm.node, "1")
        XCTAssertEqual(try atNorm.run(try Tensor(context, shape: [1, 1, 10, 10], values: [Float](repeating: 0.5, count: 100)), target: .predicted)
            .activation.contains { $0 < 0 }, true, "A is the BatchNorm's output, before the ReLU")
        XCTAssertEqual(try GradCAM(model: model, node: "4").node, "4")
    }

    /// The gradient Grad-CAM weights channels with must be d(score)/dA of the inference-mode
    /// network: checked against central differences through the layers after A, run in
    /// inference mode, for the negated single logit of a binary model and for one class of
    /// a three-class model.
    func testActivationGradientMatchesFiniteDifferencesOfTheInferenceNetwork() throws {
        let context = try cpu()
        for (classes, target) in [(["normal", "pneumonia"], 0), (["normal", "bacterial", "viral"], 2)] {
            let model = try trainedLooking(Self.twoBlocks, classes: classes, context: context)
            let gradCAM = try GradCAM(model: model)
            var rng = SeededGenerator(seed: 21)
            let images = (0..<200).map { _ in rng.nextUniform() }
            let batch = try Tensor(context, shape: [2, 1, 10, 10], values: images)
            let pass = try gradCAM.run(batch, target: .classIndex(target))
            XCTAssertEqual(pass.activationShape, [2, 4, 10, 10])
            XCTAssertEqual(pass.explainedClasses, [target, target])

            let position = try XCTUnwrap(model.network.nodes.firstIndex { $0.name == gradCAM.node })
            let tail = model.network.nodes[(position + 1)...].map(\.op)
            func score(_ activation: [Float]) throws -> Double {
                var x = try Tensor(context, shape: pass.activationShape, values: activation)
                for op in tail { x = try op.forward(inputs: [x], mode: .inference) }
                let logits = try x.toArray()
                let outputs = x.shape[1]
                return (0..<2).reduce(0.0) { sum, row in
                    sum + (outputs == 1 ? -Double(logits[row]) : Double(logits[row * outputs + target]))
                }
            }
            XCTAssertEqual(try score(pass.activation), (0..<2).reduce(0.0) { sum, row in
                let outputs = pass.logits.count / 2
                return sum + (outputs == 1 ? -Double(pass.logits[row]) : Double(pass.logits[row * outputs + target]))
            }, accuracy: 1e-5, "the pass's logits are the inference network's")

            let epsilon: Float = 1e-3
            var checked = 0
            for index in stride(from: 3, to: pass.activation.count, by: 17) {
                var plus = pass.activation, minus = pass.activation
                plus[index] += epsilon
                minus[index] -= epsilon
                let numeric = (try score(plus) - score(minus)) / Double(2 * epsilon)
                let analytic = Double(pass.gradient[index])
                XCTAssertEqual(analytic, numeric, accuracy: 2e-3 + 2e-2 * abs(numeric), "\(classes.count) classes, A[\(index)]")
                checked += 1
            }
            XCTAssertGreaterThan(checked, 40)
            XCTAssertGreaterThan(pass.gradient.map(abs).max() ?? 0, 1e-3, "a gradient of zeros would pass trivially")
        }
    }

    func testExplainingChangesNothingAndGivesTheModelsProbabilities() throws {
        let context = try cpu()
        let model = try trainedLooking(Self.twoBlocks, classes: ["normal", "pneumonia"], context: context)
        let gradCAM = try GradCAM(model: model)
        var rng = SeededGenerator(seed: 2)
        let images = (0..<500).map { _ in rng.nextUniform() }
        let before = try model.weightTensors()
        let dropout = model.network.ops.compactMap { $0 as? Dropout }.first
        let explanations = try gradCAM.explain(images: images, count: 5, batchSize: 3)
        XCTAssertEqual(try model.weightTensors(), before, "running statistics and weights are untouched")
        XCTAssertEqual(dropout?.step, 0, "no dropout mask was drawn")
        let expected = try model.probabilities(images: images, count: 5, batchSize: 5)
        XCTAssertEqual(explanations.count, 5)
        for (explanation, probabilities) in zip(explanations, expected) {
            for (a, b) in zip(explanation.probabilities, probabilities) { XCTAssertEqual(a, b, accuracy: 1e-6) }
            XCTAssertEqual(explanation.predictedClass, probabilities[1] >= 0.5 ? 1 : 0)
            XCTAssertEqual(explanation.explainedClass, explanation.predictedClass)
            XCTAssertEqual([explanation.map.width, explanation.map.height], [10, 10])
            XCTAssertTrue(explanation.map.values.allSatisfy { $0 >= 0 && $0.isFinite })
            let heatmap = try explanation.heatmap(width: 30, height: 20)
            XCTAssertEqual(heatmap.values.count, 600)
            XCTAssertTrue(heatmap.values.allSatisfy { (0...1).contains($0) })
        }
        XCTAssertThrowsError(try gradCAM.explain(images: images, count: 5, target: .classIndex(2))) { error in
            XCTAssertEqual(error as? ExplainError, .invalidClass(index: 2, classes: 2))
        }
    }

    /// A hand-set detector: channel 0 blurs the image (bright = pneumonia), channel 1 responds
    /// to darkness (normal). The pneumonia map must sit on a bright square and the normal map
    /// away from it.
    func testMapIsHighestWhereTheSignalIs() throws {
        let context = try cpu()
        let spec = ArchitectureSpec(
            name: "detector", input: .init(channels: 1, size: 16),
            layers: [
                LayerSpec(type: "Conv2D", filters: 2, kernel: 3, padding: "same", activation: "relu"),
                LayerSpec(type: "GlobalAvgPool"), LayerSpec(type: "Dense", units: .output),
            ])
        let model = try TrainedModel(spec: spec, classNames: ["normal", "pneumonia"], context: context, seed: 1)
        try model.setWeights([
            NamedTensor(name: "0.weight", shape: [2, 1, 3, 3], values: [Float](repeating: 1.0 / 9, count: 9) + [Float](repeating: -1.0 / 9, count: 9)),
            NamedTensor(name: "0.bias", shape: [2], values: [0, 0.5]),
            NamedTensor(name: "3.weight", shape: [1, 2], values: [4, -4]),
            NamedTensor(name: "3.bias", shape: [1], values: [0]),
        ])
        var image = [Float](repeating: 0, count: 256)
        let square = (rows: 2..<6, columns: 9..<13)
        for y in square.rows { for x in square.columns { image[y * 16 + x] = 1 } }
        let gradCAM = try GradCAM(model: model)
        XCTAssertEqual(gradCAM.node, "1")

        let pneumonia = try XCTUnwrap(gradCAM.explain(images: image, count: 1, target: .classIndex(1)).first)
        let positive = try pneumonia.heatmap(width: 16, height: 16)
        XCTAssertTrue(square.rows.contains(positive.peak.y) && square.columns.contains(positive.peak.x), "peak at \(positive.peak)")
        XCTAssertEqual(positive.values.max(), 1)
        XCTAssertEqual(positive[1, 14], 0, "far from the square nothing speaks for pneumonia")

        let normal = try XCTUnwrap(gradCAM.explain(images: image, count: 1, target: .classIndex(0)).first)
        let negative = try normal.heatmap(width: 16, height: 16)
        XCTAssertFalse(square.rows.contains(negative.peak.y) && square.columns.contains(negative.peak.x), "peak at \(negative.peak)")
        XCTAssertEqual(negative[10, 3], 0, "inside the square nothing speaks for normal")
        XCTAssertGreaterThan(negative[1, 14], 0.9)

        // Upsampling keeps the place: at 4x the size the peak is still on the square.
        let large = try pneumonia.heatmap(width: 64, height: 64)
        XCTAssertTrue((8..<24).contains(large.peak.y) && (36..<52).contains(large.peak.x), "peak at \(large.peak)")
    }
}
