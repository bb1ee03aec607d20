import Engine
import Foundation
import OpenCLKit
import XCTest

/// Synchronised BatchNorm: R replicas (threads, each with its own context and a reducer that
/// sums through an in-process rendezvous) each take a slice of a batch, and together they must
/// give what one BatchNorm gives on the whole batch, by `NormalizationReference` (Double):
/// the outputs and input gradients of every slice, the running statistics on every replica,
/// and, summed over the replicas, the weight and bias gradients (data-parallel training
/// averages them, as it does every parameter gradient). For plain BatchNorm (both ways of
/// reducing the statistics), BatchNorm + ReLU and BatchNorm (+ ReLU) + MaxPool.
///
/// Tolerances: 2e-5 absolute + 1e-4 relative on outputs, input gradients and running
/// statistics (as `BatchNormTests`); 1e-4 + 1e-4 on the parameter gradients, sums over a
/// channel; and 2e-3 + 1e-3 for inputs with a mean 1000 times their spread, where float
/// rounding of x - mean alone costs 1e-4 of each normalised value, on one process as well.
final class SynchronisedBatchNormTests: XCTestCase {
    /// One context per replica: the replicas run on threads at once, and a context's kernels
    /// take their arguments one launch at a time.
    private static let contexts: Result<[ComputeContext], Error> = Result {
        let choice = try DeviceSelector.choose(flag: ProcessInfo.processInfo.environment["PNEUMO_TEST_DEVICE"] ?? "cpu")
        return try (0..<3).map { _ in try ComputeContext(device: choice.device) }
    }

    enum Variant: CustomStringConvertible {
        case plain(onePass: Bool), relu, maxPool(relu: Bool)

        var description: String {
            switch self {
            case let .plain(onePass): return "BatchNorm (\(onePass ? "one pass" : "two passes"))"
            case .relu: return "BatchNormReLU"
            case let .maxPool(relu): return relu ? "BatchNormReLUMaxPool" : "BatchNormMaxPool"
            }
        }
    }

    private struct Case {
        let shape: [Int]
        let replicas: Int
        let variant: Variant
        var scale: Float = 2
        var offset: Float = 0.5
        /// Whether each slice alone has enough values per channel for unsynchronised statistics.
        var slicesTrainAlone = true
    }

    private struct Outcome {
        var output: [Float] = [], inputGradient: [Float] = [], weightGradient: [Float] = [], biasGradient: [Float] = []
        var runningMean: [Float] = [], runningVar: [Float] = []
    }

    private struct Parameters {
        let gamma: [Float], beta: [Float], runningMean: [Float], runningVar: [Float]
    }

    private let cases: [Case] = [
        Case(shape: [8, 4, 8, 16], replicas: 2, variant: .plain(onePass: true)),
        Case(shape: [8, 4, 8, 16], replicas: 3, variant: .plain(onePass: false)),
        Case(shape: [3, 2, 8, 16], replicas: 3, variant: .plain(onePass: true), scale: 0.1, offset: 100),
        Case(shape: [3, 2, 8, 16], replicas: 3, variant: .plain(onePass: false), scale: 0.1, offset: 100),
        // One image per replica and one value per channel: only the global batch has a variance.
        Case(shape: [2, 5], replicas: 2, variant: .plain(onePass: false), slicesTrainAlone: false),
        Case(shape: [7, 3, 5, 7], replicas: 3, variant: .relu),
        Case(shape: [4, 3, 8, 16], replicas: 2, variant: .maxPool(relu: true)),
        Case(shape: [5, 2, 6, 7], replicas: 2, variant: .maxPool(relu: false)),
        Case(shape: [6, 2, 6, 8], replicas: 3, variant: .maxPool(relu: true)),
    ]

    func testReplicasMatchOneBatchNormOnTheWholeBatch() throws {
        let contexts = try Self.contexts.get()
        for (k, test) in cases.enumerated() {
            let label = "\(test.variant) \(test.shape) over \(test.replicas) replicas"
            let inputs = Self.spacedValues(test.shape.reduce(1, *), seed: UInt64(100 + k), scale: test.scale, offset: test.offset)
            let parameters = Self.parameters(channels: test.shape[1], seed: UInt64(200 + k), flipFirst: true)
            let outputShape = Self.outputShape(test.shape, test.variant)
            let outputGradient = PointwiseFixtures.normal(outputShape.reduce(1, *), seed: UInt64(300 + k))
            let expected = try Self.reference(test, inputs, outputGradient, parameters)
            let replicas = try Self.runSliced(test, inputs, outputGradient, parameters, contexts: contexts, synchronised: true)

            let (absolute, relative): (Float, Float) = test.offset > 10 ? (2e-3, 1e-3) : (2e-5, 1e-4)
            assertClose(replicas.flatMap(\.output), expected.output, absolute: absolute, relative: relative, "\(label): output")
            assertClose(replicas.flatMap(\.inputGradient), expected.inputGradient, absolute: absolute, relative: relative, "\(label): input gradient")
            assertClose(Self.summed(replicas.map(\.weightGradient)), expected.weightGradient, absolute: 1e-4, relative: max(1e-4, relative), "\(label): weight gradient")
            assertClose(Self.summed(replicas.map(\.biasGradient)), expected.biasGradient, absolute: 1e-4, relative: 1e-4, "\(label): bias gradient")
            for (index, replica) in replicas.enumerated() {
                assertClose(replica.runningMean, expected.runningMean, absolute: 2e-5, relative: 1e-4, "\(label): running mean of replica \(index)")
                assertClose(replica.runningVar, expected.runningVar, absolute: 2e-5, relative: 1e-3, "\(label): running variance of replica \(index)")
            }

            // The same slices with each replica's own statistics land far from the whole batch:
            // the comparison above can tell the two apart.
            guard test.slicesTrainAlone else { continue }
            let alone = try Self.runSliced(test, inputs, outputGradient, parameters, contexts: contexts, synchronised: false)
            let apart = zip(alone.flatMap(\.output), expected.output).map { abs($0 - $1) }.max() ?? 0
            XCTAssertGreaterThan(apart, max(1e-2, 5 * absolute), "\(label): slices with their own statistics should differ from the whole batch")
        }
    }

    /// One value per channel over all replicas has no variance: refused with a message, as one
    /// process refuses a batch of one (here a single replica with a reducer attached).
    func testOneValuePerChannelOverAllReplicasIsRefused() throws {
        let contexts = try Self.contexts.get()
        let rendezvous = ReplicaRendezvous(replicas: 1)
        let message = try runReplicas(1, rendezvous: rendezvous) { index -> String? in
            let context = contexts[index]
            context.attach(BatchStatisticsReduction.self, rendezvous.reducer(index))
            defer { context.attach(BatchStatisticsReduction.self, nil) }
            do {
                _ = try BatchNorm(context, channels: 3).forward(try Tensor.zeros(context, shape: [1, 3]), mode: .training)
                return nil
            } catch {
                return "\(error)"
            }
        }[0]
        XCTAssertTrue(message?.contains("more than one value per channel over all replicas") == true, message ?? "no error")
    }

    // MARK: - Replicas

    /// Splits the batch into `replicas` slices (sizes differing by at most one) and runs one on each thread.
    private static func runSliced(
        _ test: Case, _ inputs: [Float], _ outputGradient: [Float], _ parameters: Parameters, contexts: [ComputeContext],
        synchronised: Bool
    ) throws -> [Outcome] {
        let batch = test.shape[0]
        let inputImage = inputs.count / batch
        let outputImage = outputGradient.count / batch
        let bounds = (0...test.replicas).map { $0 * batch / test.replicas }
        let rendezvous = ReplicaRendezvous(replicas: test.replicas)
        return try runReplicas(test.replicas, rendezvous: rendezvous) { index in
            let context = contexts[index]
            if synchronised { context.attach(BatchStatisticsReduction.self, rendezvous.reducer(index)) }
            defer { context.attach(BatchStatisticsReduction.self, nil) }
            let images = bounds[index]..<bounds[index + 1]
            var shape = test.shape
            shape[0] = images.count
            return try runReplica(
                test.variant, context: context, shape: shape,
                inputs: Array(inputs[(images.lowerBound * inputImage)..<(images.upperBound * inputImage)]),
                outputGradient: Array(outputGradient[(images.lowerBound * outputImage)..<(images.upperBound * outputImage)]),
                parameters)
        }
    }

    private static func runReplica(
        _ variant: Variant, context: ComputeContext, shape: [Int], inputs: [Float], outputGradient: [Float], _ parameters: Parameters
    ) throws -> Outcome {
        let norm = try BatchNorm(context, channels: shape[1])
        try norm.weight.value.buffer.write(parameters.gamma)
        try norm.bias.value.buffer.write(parameters.beta)
        try norm.runningMean.buffer.write(parameters.runningMean)
        try norm.runningVar.buffer.write(parameters.runningVar)
        let x = try Tensor(context, shape: shape, values: inputs)
        let y: Tensor, dx: Tensor
        switch variant {
        case let .plain(onePass):
            let forward = try Normalization.trainingForward(
                x, weight: norm.weight.value, bias: norm.bias.value, runningMean: norm.runningMean, runningVar: norm.runningVar,
                momentum: norm.momentum, epsilon: norm.epsilon, onePass: onePass)
            y = forward.output
            dx = try Normalization.backward(
                input: x, outputGradient: try Tensor(context, shape: y.shape, values: outputGradient), statistics: forward.statistics,
                weight: norm.weight.value, weightGradient: norm.weight.gradient, biasGradient: norm.bias.gradient)
        case .relu, .maxPool:
            let op: Layer
            if case let .maxPool(relu) = variant {
                op = BatchNormMaxPool(norm, relu: relu, pool: try MaxPool2D(context, size: 2))
            } else {
                op = BatchNormReLU(norm)
            }
            y = try op.forward(x, mode: .training)
            dx = try op.backward(try Tensor(context, shape: y.shape, values: outputGradient))
        }
        return Outcome(
            output: try y.toArray(), inputGradient: try dx.toArray(), weightGradient: try norm.weight.gradient.toArray(),
            biasGradient: try norm.bias.gradient.toArray(), runningMean: try norm.runningMean.toArray(), runningVar: try norm.runningVar.toArray())
    }

    // MARK: - Reference

    /// One BatchNorm (then ReLU, then pooling, as the variant says) on the whole batch, in Double.
    private static func reference(_ test: Case, _ x: [Float], _ dy: [Float], _ p: Parameters) throws -> Outcome {
        let (batch, channels) = (test.shape[0], test.shape[1])
        let spatial = test.shape.dropFirst(2).reduce(1, *)
        let forward = NormalizationReference.trainingForward(
            x, batch: batch, channels: channels, spatial: spatial, weight: p.gamma, bias: p.beta,
            runningMean: p.runningMean, runningVar: p.runningVar, momentum: 0.1, epsilon: 1e-5)
        let rectified = forward.output.map { max($0, 0) }
        let passesReLU = { (gradient: [Float]) in zip(gradient, forward.output).map { $1 > 0 ? $0 : 0 } }
        let output: [Float], gradient: [Float]
        switch test.variant {
        case .plain:
            (output, gradient) = (forward.output, dy)
        case .relu:
            (output, gradient) = (rectified, passesReLU(dy))
        case let .maxPool(relu):
            let geometry = try PoolGeometry(
                batch: batch, channels: channels, height: test.shape[2], width: test.shape[3], size: 2, stride: 2)
            let pooledInput = relu ? rectified : forward.output
            output = PoolingReference.maxForward(pooledInput, geometry: geometry).output
            let routed = PoolingReference.maxBackward(dy, input: pooledInput, geometry: geometry)
            gradient = relu ? passesReLU(routed) : routed
        }
        let backward = NormalizationReference.backward(
            x, outputGradient: gradient, batch: batch, channels: channels, spatial: spatial, weight: p.gamma, epsilon: 1e-5,
            batchStatistics: true)
        return Outcome(
            output: output, inputGradient: backward.input, weightGradient: backward.weight, biasGradient: backward.bias,
            runningMean: forward.runningMean, runningVar: forward.runningVar)
    }

    private static func outputShape(_ shape: [Int], _ variant: Variant) -> [Int] {
        guard case .maxPool = variant else { return shape }
        return [shape[0], shape[1], shape[2] / 2, shape[3] / 2]
    }

    // MARK: - Data

    /// A shuffled even grid over offset +- 1.7 scale: no two values closer than 3.4 scale / count,
    /// so which pixel wins a pooling window never hangs on float rounding.
    private static func spacedValues(_ count: Int, seed: UInt64, scale: Float, offset: Float) -> [Float] {
        var generator = SeededGenerator(seed: seed)
        return Array(0..<count).shuffled(using: &generator).map { offset + scale * 1.7 * (2 * Float($0) / Float(count) - 1) }
    }

    /// Scales in [0.5, 1.5] (the first negated when `flipFirst`: it reverses which pixel wins a
    /// window), shifts and running statistics drawn from `seed`.
    private static func parameters(channels: Int, seed: UInt64, flipFirst: Bool) -> Parameters {
        var gamma = PointwiseFixtures.uniform(channels, seed: seed, in: 0.5...1.5)
        if flipFirst { gamma[0] = -gamma[0] }
        return Parameters(
            gamma: gamma, beta: PointwiseFixtures.normal(channels, seed: seed + 1),
            runningMean: PointwiseFixtures.normal(channels, seed: seed + 2),
            runningVar: PointwiseFixtures.uniform(channels, seed: seed + 3, in: 0.5...2))
    }

    private static func summed(_ vectors: [[Float]]) -> [Float] {
        vectors.dropFirst().reduce(vectors[0]) { zip($0, $1).map { $0 + $1 } }
    }
}
