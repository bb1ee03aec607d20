import Foundation
import OpenCLKit
import XCTest
@testable import Engine

/// The inference layers keep their folded and packed weights between passes: a repeated pass
/// runs no fold and no packing, gives the same numbers as a freshly built inference graph, and
/// every way of writing a parameter or running statistic makes the next pass use the new values.
final class InferenceWeightCacheTests: XCTestCase {
    /// A test network and its layers, each convolution on a named algorithm so all three keep weights.
    private struct Network {
        let graph: Graph
        let convolutions: [Conv2D]
        let norms: [BatchNorm]
        let dense: [Dense]
    }

    private func random(_ count: Int, _ rng: inout SeededGenerator, scale: Float = 1, offset: Float = 0) -> [Float] {
        (0..<count).map { _ in rng.nextNormal() * scale + offset }
    }

    /// Folded im2col, direct (pooling its input as it pads it) and Winograd convolutions, an
    /// unfolded one (ReLU only), a folded dense layer and an unfolded one, both large enough for
    /// the packed product at batch 1.
    private func network(_ context: ComputeContext) throws -> Network {
        var rng = SeededGenerator(seed: 41)
        let convolutions = try [(2, 8, "im2col"), (8, 8, "direct"), (8, 6, "winograd"), (6, 4, "direct")].map { from, to, algorithm in
            let layer = try Conv2D(context, inputChannels: from, filters: to, kernelSize: 3, padding: .same, rng: &rng)
            layer.convolution.pinnedAlgorithm = algorithm
            try layer.bias.value.buffer.write(random(to, &rng, scale: 0.2))
            return layer
        }
        let norms = try [8, 8, 6, 240].map { try BatchNorm(context, channels: $0) }
        for norm in norms {
            let c = norm.channels
            try norm.weight.value.buffer.write(random(c, &rng, scale: 0.5, offset: 1))
            try norm.bias.value.buffer.write(random(c, &rng, scale: 0.3))
            try norm.runningMean.buffer.write(random(c, &rng, scale: 0.4))
            try norm.runningVar.buffer.write((0..<c).map { _ in 0.2 + 2 * rng.nextUniform() })
        }
        let dense = [
            try Dense(context, inputFeatures: 144, outputFeatures: 240, rng: &rng),
            try Dense(context, inputFeatures: 240, outputFeatures: 160, rng: &rng),
            try Dense(context, inputFeatures: 160, outputFeatures: 3, rng: &rng),
        ]
        let layers: [any Op] = [
            convolutions[0], norms[0], ReLU(context), try MaxPool2D(context, size: 2),
            convolutions[1], norms[1], ReLU(context),
            convolutions[2], norms[2], ReLU(context),
            convolutions[3], ReLU(context),
            Flatten(), dense[0], norms[3], ReLU(context), dense[1], ReLU(context), dense[2],
        ]
        return Network(graph: try Graph(inputShape: [2, 12, 12], layers: layers), convolutions: convolutions, norms: norms, dense: dense)
    }

    /// Folds and arrangements made so far by the inference layers of `inference`.
    private func preparations(_ inference: InferenceGraph) -> (folds: Int, arrangements: Int) {
        var total = (folds: 0, arrangements: 0)
        for step in inference.steps {
            let made = (step.op as? InferenceConvolution)?.weightPreparations ?? (step.op as? InferenceDense)?.weightPreparations
            total.folds += made?.folds ?? 0
            total.arrangements += made?.arrangements ?? 0
        }
        return total
    }

    /// Launches per kernel of one inference pass of `input`.
    private func launches(_ inference: InferenceGraph, _ input: Tensor, _ profiler: Profiler) throws -> (output: [Float], launches: [String: Int]) {
        profiler.reset()
        let output = try inference.forward(input).toArray()
        try input.context.finish()
        return (output, profiler.entries.mapValues(\.launches))
    }

    func testRepeatedPassRunsNoFoldAndNoPacking() throws {
        let choice = try DeviceSelector.choose(flag: ProcessInfo.processInfo.environment["PNEUMO_TEST_DEVICE"] ?? "cpu")
        let context = try ComputeContext(device: choice.device, profiling: true)
        let profiler = try XCTUnwrap(context.profiler)
        let net = try network(context)
        let inference = try InferenceGraph(net.graph, fold: true)
        XCTAssertEqual(inference.steps.map(\.op.kind), [
            "Conv2D+BatchNorm+ReLU", "MaxPool2D+Conv2D+BatchNorm+ReLU", "Conv2D+BatchNorm+ReLU", "Conv2D+ReLU", "Flatten",
            "Dense+BatchNorm+ReLU", "Dense+ReLU", "Dense",
        ])
        var rng = SeededGenerator(seed: 42)
        let single = try Tensor(context, shape: [1, 2, 12, 12], values: random(288, &rng))

        let first = try launches(inference, single, profiler)
        let made = preparations(inference)
        XCTAssertEqual(made.folds, 4, "three convolutions and one dense layer fold a norm")
        XCTAssertEqual(made.arrangements, 6, "four convolutions and two dense layers arrange their weights")
        XCTAssertEqual(first.launches["fold_batchnorm"], 4)
        XCTAssertEqual(first.launches["winograd_filter_tiles"], 1)

        let second = try launches(inference, single, profiler)
        XCTAssertEqual(second.output, first.output, "the kept weights give the same numbers")
        XCTAssertEqual(preparations(inference).folds, made.folds)
        XCTAssertEqual(preparations(inference).arrangements, made.arrangements)
        XCTAssertNil(second.launches["fold_batchnorm"])
        XCTAssertNil(second.launches["winograd_filter_tiles"])
        XCTAssertNil(second.launches["relu_forward"], "every ReLU runs in a store, Winograd's too")
        XCTAssertNil(second.launches["maxpool_forward"], "the direct convolution pools its input as it pads it")
        XCTAssertEqual(second.launches["pad_pooled_planes"], 1)
        XCTAssertEqual((first.launches["pack_panels"] ?? 0) - (second.launches["pack_panels"] ?? 0), made.arrangements - 1)
        XCTAssertEqual(first.launches.values.reduce(0, +) - second.launches.values.reduce(0, +), made.folds + made.arrangements)

        // Another batch size may take other tiles; going back to the first needs nothing new.
        let batch = try Tensor(context, shape: [3, 2, 12, 12], values: random(3 * 288, &rng))
        _ = try inference.forward(batch).toArray()
        let afterBatch = preparations(inference)
        XCTAssertEqual(afterBatch.folds, made.folds)
        let again = try launches(inference, single, profiler)
        XCTAssertEqual(again.output, first.output)
        XCTAssertEqual(preparations(inference).arrangements, afterBatch.arrangements)
        XCTAssertNil(again.launches["fold_batchnorm"])

        let fresh = try InferenceGraph(net.graph, fold: true).forward(single).toArray()
        XCTAssertEqual(second.output, fresh, "kept weights against a graph that folds and packs anew")
        let unfolded = try net.graph.forward(single, mode: .inference).toArray()
        let scale = unfolded.map(abs).max() ?? 0
        assertClose(second.output, unfolded, absolute: 1e-5 * max(scale, 1e-3), relative: 1e-4, "against the unfolded graph")
    }

    /// Each write path, then: the next pass differs from the last and equals a fresh graph's.
    func testEveryWriteToASourceReachesTheNextPass() throws {
        let context = try TestDevice.context()
        let net = try network(context)
        let inference = try InferenceGraph(net.graph, fold: true)
        var rng = SeededGenerator(seed: 43)
        let input = try Tensor(context, shape: [2, 2, 12, 12], values: random(2 * 288, &rng))
        let targets = try Tensor(context, shape: [2, 3], values: random(6, &rng))

        func trainingStep(_ optimizer: any Optimizer) throws {
            _ = try net.graph.forward(input, mode: .training)
            try net.graph.backwardToParameters(targets)
            try optimizer.step(net.graph.parameters)
        }
        func newValues(_ tensor: Tensor, scale: Float = 0.3) -> [Float] { random(tensor.count, &rng, scale: scale) }
        let adam = try Adam(context, learningRate: 0.05)
        let writes: [(String, () throws -> Void)] = [
            ("host write to a folded convolution's weights", { try net.convolutions[0].weight.value.buffer.write(newValues(net.convolutions[0].weight.value)) }),
            ("host write to a folded convolution's bias", { try net.convolutions[2].bias.value.buffer.write(newValues(net.convolutions[2].bias.value)) }),
            ("host write to running variances", { try net.norms[1].runningVar.buffer.write((0..<8).map { _ in 0.3 + rng.nextUniform() }) }),
            ("fill of a norm's scale", { try net.norms[2].weight.value.buffer.fill(0.7) }),
            ("device copy into a folded dense layer's weights", {
                let source = try DeviceBuffer<Float>(context, newValues(net.dense[0].weight.value, scale: 0.1))
                try net.dense[0].weight.value.buffer.copy(from: source)
            }),
            ("host write to an unfolded convolution's weights", { try net.convolutions[3].weight.value.buffer.write(newValues(net.convolutions[3].weight.value)) }),
            ("host write to an unfolded dense layer's weights", { try net.dense[1].weight.value.buffer.write(newValues(net.dense[1].weight.value, scale: 0.1)) }),
            ("a parameter given a new tensor", {
                let weight = net.convolutions[1].weight
                weight.value = try Tensor(context, shape: weight.value.shape, values: newValues(weight.value))
            }),
            ("running statistics of a training pass", { _ = try net.graph.forward(input, mode: .training) }),
            ("SGD step", { try trainingStep(try SGD(context, learningRate: 0.1)) }),
            ("Adam step", { try trainingStep(adam) }),
        ]
        for (path, write) in writes {
            let previous = try inference.forward(input).toArray()
            let made = preparations(inference)
            XCTAssertEqual(try inference.forward(input).toArray(), previous, path)
            XCTAssertEqual(preparations(inference).folds, made.folds, "\(path): nothing was stale before the write")
            XCTAssertEqual(preparations(inference).arrangements, made.arrangements, "\(path): nothing was stale before the write")
            try write()
            let after = try inference.forward(input).toArray()
            XCTAssertGreaterThan(zip(after, previous).map { abs($0 - $1) }.max() ?? 0, 1e-4, "\(path) must change the output")
            XCTAssertEqual(after, try InferenceGraph(net.graph, fold: true).forward(input).toArray(), path)
        }
    }
}
