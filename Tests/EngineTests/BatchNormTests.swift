import Engine
import OpenCLKit
import XCTest

/// Batch normalisation against `NormalizationReference` (Double) for 4-D and 2-D inputs,
/// batch 1 included. Tolerance: 2e-5 absolute + 1e-4 relative on normalised outputs and
/// gradients, which are O(1) and go through float sums over a channel.
final class BatchNormTests: XCTestCase {
    /// [N, C, H, W] or [N, C]; [8, 4, 33, 33] makes the channel sums use several groups, and
    /// [3, 2, 4, 6] and [4, 3, 8, 8] have planes the per-element kernels take in runs of 8.
    private let shapes = [[4, 3, 5, 7], [1, 2, 3, 3], [6, 5], [2, 3, 1, 1], [8, 4, 33, 33], [3, 2, 4, 6], [4, 3, 8, 8]]

    private func makeLayer(_ context: ComputeContext, channels: Int, seed: UInt64) throws -> BatchNorm {
        let layer = try BatchNorm(context, channels: channels)
        try layer.weight.value.buffer.write(PointwiseFixtures.uniform(channels, seed: seed, in: 0.5...1.5))
        try layer.bias.value.buffer.write(PointwiseFixtures.normal(channels, seed: seed + 1))
        try layer.runningMean.buffer.write(PointwiseFixtures.normal(channels, seed: seed + 2))
        try layer.runningVar.buffer.write(PointwiseFixtures.uniform(channels, seed: seed + 3, in: 0.5...2))
        return layer
    }

    private func dimensions(_ shape: [Int]) -> (batch: Int, channels: Int, spatial: Int) {
        (shape[0], shape[1], shape.dropFirst(2).reduce(1, *))
    }

    func testTrainingForwardAndRunningStatistics() throws {
        let context = try TestDevice.context()
        for (k, shape) in shapes.enumerated() {
            let (n, c, s) = dimensions(shape)
            let layer = try makeLayer(context, channels: c, seed: UInt64(10 * k))
            let gamma = try layer.weight.value.toArray(), beta = try layer.bias.value.toArray()
            let mean = try layer.runningMean.toArray(), variance = try layer.runningVar.toArray()
            // An offset of 3 checks that the variance does not cancel catastrophically.
            let xs = PointwiseFixtures.normal(shape.reduce(1, *), seed: UInt64(k), scale: 2, offset: 3)
            let y = try layer.forward(try Tensor(context, shape: shape, values: xs), mode: .training).toArray()
            let expected = NormalizationReference.trainingForward(
                xs, batch: n, channels: c, spatial: s, weight: gamma, bias: beta, runningMean: mean,
                runningVar: variance, momentum: 0.1, epsilon: 1e-5)
            assertClose(y, expected.output, absolute: 2e-5, relative: 1e-4, "\(shape)")
            assertClose(try layer.runningMean.toArray(), expected.runningMean, absolute: 2e-5, relative: 1e-4, "\(shape)")
            assertClose(try layer.runningVar.toArray(), expected.runningVar, absolute: 2e-5, relative: 1e-4, "\(shape)")
        }
    }

    /// The statistics reduced in one pass (per-run moments, merged) and in two (mean, then
    /// squared deviations) both match the reference, also for a mean 10^3 times the spread,
    /// where a sum of squares minus the squared mean would be off by about 10%.
    func testOnePassAndTwoPassStatisticsMatchReference() throws {
        let context = try TestDevice.context()
        for (k, (shape, scale, offset)) in [([8, 4, 33, 33], Float(2), Float(3)), ([3, 2, 8, 16], 0.1, 100),
                                              ([6, 5], 1, -2), ([2, 3, 1, 1], 1, 0)].enumerated() {
            let (n, c, s) = dimensions(shape)
            let xs = PointwiseFixtures.normal(shape.reduce(1, *), seed: UInt64(k + 90), scale: scale, offset: offset)
            for onePass in [true, false] {
                let layer = try makeLayer(context, channels: c, seed: UInt64(k))
                let gamma = try layer.weight.value.toArray(), beta = try layer.bias.value.toArray()
                let expected = NormalizationReference.trainingForward(
                    xs, batch: n, channels: c, spatial: s, weight: gamma, bias: beta, runningMean: try layer.runningMean.toArray(),
                    runningVar: try layer.runningVar.toArray(), momentum: 0.1, epsilon: 1e-5)
                let result = try Normalization.trainingForward(
                    try Tensor(context, shape: shape, values: xs), weight: layer.weight.value, bias: layer.bias.value,
                    runningMean: layer.runningMean, runningVar: layer.runningVar, momentum: 0.1, epsilon: 1e-5, onePass: onePass)
                let label = "\(shape) offset \(offset) \(onePass ? "one pass" : "two passes")"
                assertClose(try result.output.toArray(), expected.output, absolute: 2e-4, relative: 1e-4, label)
                assertClose(try layer.runningMean.toArray(), expected.runningMean, absolute: 2e-5, relative: 1e-5, label)
                assertClose(try layer.runningVar.toArray(), expected.runningVar, absolute: 2e-5, relative: 1e-3, label)
            }
        }
    }

    func testInferenceForwardUsesRunningStatistics() throws {
        let context = try TestDevice.context()
        for (k, shape) in (Array(shapes.prefix(4)) + [[3, 2, 4, 6]]).enumerated() {
            let (n, c, s) = dimensions(shape)
            let layer = try makeLayer(context, channels: c, seed: UInt64(7 * k))
            let xs = PointwiseFixtures.normal(shape.reduce(1, *), seed: UInt64(k))
            let before = try layer.runningMean.toArray() + layer.runningVar.toArray()
            let y = try layer.forward(try Tensor(context, shape: shape, values: xs), mode: .inference).toArray()
            let expected = NormalizationReference.inferenceForward(
                xs, batch: n, channels: c, spatial: s, weight: try layer.weight.value.toArray(),
                bias: try layer.bias.value.toArray(), runningMean: try layer.runningMean.toArray(),
                runningVar: try layer.runningVar.toArray(), epsilon: 1e-5)
            assertClose(y, expected, absolute: 2e-5, relative: 1e-4, "\(shape)")
            XCTAssertEqual(try layer.runningMean.toArray() + layer.runningVar.toArray(), before)
        }
    }

    func testBackwardMatchesReference() throws {
        let context = try TestDevice.context()
        for (k, shape) in shapes.enumerated() {
            let (n, c, s) = dimensions(shape)
            for mode in [Mode.training, .inference] where !(mode == .training && n * s == 1) {
                let layer = try makeLayer(context, channels: c, seed: UInt64(3 * k))
                let runningMean = try layer.runningMean.toArray(), runningVar = try layer.runningVar.toArray()
                let xs = PointwiseFixtures.normal(shape.reduce(1, *), seed: UInt64(k), offset: 1)
                let dys = PointwiseFixtures.normal(xs.count, seed: UInt64(50 + k))
                _ = try layer.forward(try Tensor(context, shape: shape, values: xs), mode: mode)
                let dx = try layer.backward(try Tensor(context, shape: shape, values: dys)).toArray()
                let expected = NormalizationReference.backward(
                    xs, outputGradient: dys, batch: n, channels: c, spatial: s, weight: try layer.weight.value.toArray(),
                    epsilon: 1e-5, batchStatistics: mode == .training, runningMean: runningMean, runningVar: runningVar)
                let label = "\(shape) \(mode)"
                assertClose(dx, expected.input, absolute: 2e-5, relative: 1e-4, label)
                assertClose(try layer.weight.gradient.toArray(), expected.weight, absolute: 1e-4, relative: 1e-4, label)
                assertClose(try layer.bias.gradient.toArray(), expected.bias, absolute: 1e-4, relative: 1e-4, label)
            }
        }
    }

    /// Forward, running statistics and backward (upstream gradient `r`) against torch.nn.BatchNorm.
    func testMatchesPyTorchFixtures() throws {
        let context = try TestDevice.context()
        let fixtures = try Fixtures.all(op: "batch_norm_train") + Fixtures.all(op: "batch_norm_eval")
        XCTAssertGreaterThanOrEqual(fixtures.count, 2)
        for fixture in fixtures {
            let training = fixture.op == "batch_norm_train"
            let input = try fixture.tensor("input")
            let layer = try BatchNorm(
                context, channels: input.shape[1], momentum: Float(training ? try fixture.double("momentum") : 0.1),
                epsilon: Float(try fixture.double("eps")))
            try layer.weight.value.buffer.write(try fixture.tensor("weight").data)
            try layer.bias.value.buffer.write(try fixture.tensor("bias").data)
            try layer.runningMean.buffer.write(try fixture.tensor(training ? "running_mean_before" : "running_mean").data)
            try layer.runningVar.buffer.write(try fixture.tensor(training ? "running_var_before" : "running_var").data)
            let output = try layer.forward(
                try Tensor(context, shape: input.shape, values: input.data), mode: training ? .training : .inference)
            let label = fixture.name
            assertClose(try output.toArray(), try fixture.tensor("output").data, absolute: 2e-5, relative: 1e-4, label)
            if training {
                assertClose(try layer.runningMean.toArray(), try fixture.tensor("running_mean").data, absolute: 1e-5, relative: 1e-4, label)
                assertClose(try layer.runningVar.toArray(), try fixture.tensor("running_var").data, absolute: 1e-5, relative: 1e-4, label)
            }
            let r = try fixture.tensor("r")
            let dx = try layer.backward(try Tensor(context, shape: r.shape, values: r.data))
            assertClose(try dx.toArray(), try fixture.tensor("grad_input").data, absolute: 2e-5, relative: 1e-4, label)
            assertClose(try layer.weight.gradient.toArray(), try fixture.tensor("grad_weight").data, absolute: 1e-4, relative: 1e-4, label)
            assertClose(try layer.bias.gradient.toArray(), try fixture.tensor("grad_bias").data, absolute: 1e-4, relative: 1e-4, label)
        }
    }

    func testGradientCheck() throws {
        let context = try TestDevice.context()
        for (shape, mode) in [([3, 2, 4, 5], Mode.training), ([5, 3], .training), ([2, 3, 3, 3], .inference),
                              ([2, 2, 4, 4], .training), ([2, 2, 2, 4], .inference)] {
            let layer = try makeLayer(context, channels: shape[1], seed: 1)
            let failures = try GradientCheck.check(layer, inputShape: shape, context: context, mode: mode)
            XCTAssertTrue(failures.isEmpty, "\(shape) \(mode): \(failures.prefix(3))")
        }
    }

    func testForwardAndBackwardAreBitIdenticalAcrossRuns() throws {
        let context = try TestDevice.context()
        let shape = [8, 4, 33, 33]
        let xs = PointwiseFixtures.normal(shape.reduce(1, *), seed: 8)
        let dys = PointwiseFixtures.normal(xs.count, seed: 9)
        func run() throws -> [UInt32] {
            let layer = try makeLayer(context, channels: 4, seed: 2)
            let y = try layer.forward(try Tensor(context, shape: shape, values: xs), mode: .training).toArray()
            let dx = try layer.backward(try Tensor(context, shape: shape, values: dys)).toArray()
            let rest = try layer.weight.gradient.toArray() + layer.bias.gradient.toArray() + layer.runningVar.toArray()
            return (y + dx + rest).map(\.bitPattern)
        }
        XCTAssertEqual(try run(), try run())
    }

    func testParametersBuffersAndDefaults() throws {
        let context = try TestDevice.context()
        let layer = try BatchNorm(context, channels: 3)
        XCTAssertEqual(layer.kind, "BatchNorm")
        XCTAssertEqual(layer.parameters.map(\.name), ["weight", "bias"])
        XCTAssertFalse(layer.parameters.contains { $0.decays })
        XCTAssertEqual(layer.buffers.map(\.name), ["running_mean", "running_var"])
        XCTAssertEqual(try layer.weight.value.toArray(), [1, 1, 1])
        XCTAssertEqual(try layer.bias.value.toArray(), [0, 0, 0])
        XCTAssertEqual(try layer.runningMean.toArray(), [0, 0, 0])
        XCTAssertEqual(try layer.runningVar.toArray(), [1, 1, 1])
        XCTAssertEqual(layer.momentum, 0.1)
        XCTAssertEqual(layer.epsilon, 1e-5)
    }

    func testBadInputsThrow() throws {
        let context = try TestDevice.context()
        let layer = try BatchNorm(context, channels: 3)
        XCTAssertThrowsError(try layer.forward(try Tensor.zeros(context, shape: [2, 4, 3, 3]), mode: .training))
        XCTAssertThrowsError(try layer.forward(try Tensor.zeros(context, shape: [6]), mode: .inference))
        XCTAssertThrowsError(try layer.outputShape(for: [2, 5]))
        // One value per channel has no batch variance (PyTorch refuses this too).
        XCTAssertThrowsError(try layer.forward(try Tensor.zeros(context, shape: [1, 3]), mode: .training))
        XCTAssertNoThrow(try layer.forward(try Tensor.zeros(context, shape: [1, 3]), mode: .inference))
        XCTAssertThrowsError(try BatchNorm(context, channels: 0))
        XCTAssertThrowsError(try BatchNorm(context, channels: 2, momentum: 1.5))
        XCTAssertThrowsError(try BatchNorm(context, channels: 2, epsilon: 0))
        XCTAssertThrowsError(try BatchNorm(context, channels: 3).backward(try Tensor.zeros(context, shape: [2, 3])))
    }

    /// BatchNorm + ReLU fused by the graph (a BatchNormReLU op) against the same layers run one by one: outputs and
    /// every gradient agree in training and inference, and the running statistics move alike.
    func testFusedReLUMatchesSeparateLayers() throws {
        let context = try TestDevice.context()
        for (k, shape) in [[4, 3, 6, 5], [8, 4, 33, 33], [6, 5], [4, 3, 8, 16]].enumerated() {
            let channels = shape[1]
            func network(fused: Bool) throws -> (Graph, BatchNorm) {
                let norm = try makeLayer(context, channels: channels, seed: UInt64(40 + k))
                return (try Graph(inputShape: Array(shape.dropFirst()), layers: [norm, ReLU(context)], fuse: fused), norm)
            }
            let (plain, plainNorm) = try network(fused: false)
            let (fused, fusedNorm) = try network(fused: true)
            XCTAssertEqual(plain.steps.map(\.op.kind), ["BatchNorm", "ReLU"])
            XCTAssertEqual(fused.steps.map(\.op.kind), ["BatchNormReLU"])
            let xs = PointwiseFixtures.normal(shape.reduce(1, *), seed: UInt64(k + 5))
            let dy = PointwiseFixtures.normal(shape.reduce(1, *), seed: UInt64(k + 50))
            var results: [[[Float]]] = []
            for (net, norm) in [(plain, plainNorm), (fused, fusedNorm)] {
                let y = try net.forward(try Tensor(context, shape: shape, values: xs), mode: .training).toArray()
                let dx = try net.backward(try Tensor(context, shape: shape, values: dy)).toArray()
                let inference = try net.forward(try Tensor(context, shape: shape, values: xs), mode: .inference).toArray()
                results.append([y, dx, try norm.weight.gradient.toArray(), try norm.bias.gradient.toArray(),
                                try norm.runningMean.toArray(), try norm.runningVar.toArray(), inference])
            }
            XCTAssertTrue(results[1][0].allSatisfy { $0 >= 0 }, "\(shape): the fused output must be rectified")
            for (index, name) in ["output", "input gradient", "weight gradient", "bias gradient", "running mean", "running variance", "inference output"].enumerated() {
                assertClose(results[1][index], results[0][index], absolute: 1e-5, relative: 1e-5, "\(shape) \(name)")
            }
        }
    }

    /// BatchNorm (+ ReLU) then MaxPool2D, with the pooling normalising as it reads, against the
    /// layers run one by one: outputs, every gradient and the running statistics agree, with a
    /// negative scale in one channel (it reverses which pixel wins), with and without the ReLU,
    /// and inference still normalises in the BatchNorm itself.
    func testNormalisationFusedIntoMaxPoolMatchesSeparateLayers() throws {
        let context = try TestDevice.context()
        // [3, 2, 8, 16] and [2, 3, 4, 8] also take the pool's gradient straight into the
        // BatchNorm's backward; the others have rows the routing does not cover.
        let cases = [([2, 3, 6, 7], true), ([3, 2, 8, 16], true), ([2, 3, 5, 6], false), ([2, 3, 4, 8], false), ([2, 2, 6, 24], true)]
        for (k, (shape, withReLU)) in cases.enumerated() {
            let channels = shape[1]
            func network(fused: Bool) throws -> (Graph, BatchNorm) {
                let norm = try makeLayer(context, channels: channels, seed: UInt64(60 + k))
                var gamma = try norm.weight.value.toArray()
                gamma[0] = -gamma[0]
                try norm.weight.value.buffer.write(gamma)
                let pool = try MaxPool2D(context, size: 2)
                let layers: [Layer] = withReLU ? [norm, ReLU(context), pool] : [norm, pool]
                return (try Graph(inputShape: Array(shape.dropFirst()), layers: layers, fuse: fused), norm)
            }
            let (plain, plainNorm) = try network(fused: false)
            let (fused, fusedNorm) = try network(fused: true)
            XCTAssertEqual(plain.steps.count, withReLU ? 3 : 2)
            XCTAssertEqual(fused.steps.map(\.op.kind), [withReLU ? "BatchNormReLUMaxPool" : "BatchNormMaxPool"])
            let xs = PointwiseFixtures.normal(shape.reduce(1, *), seed: UInt64(k + 15))
            var results: [[[Float]]] = []
            for (net, norm) in [(plain, plainNorm), (fused, fusedNorm)] {
                let y = try net.forward(try Tensor(context, shape: shape, values: xs), mode: .training)
                let dy = PointwiseFixtures.normal(y.count, seed: UInt64(k + 70))
                let dx = try net.backward(try Tensor(context, shape: y.shape, values: dy)).toArray()
                let inference = try net.forward(try Tensor(context, shape: shape, values: xs), mode: .inference).toArray()
                results.append([try y.toArray(), dx, try norm.weight.gradient.toArray(), try norm.bias.gradient.toArray(),
                                try norm.runningMean.toArray(), try norm.runningVar.toArray(), inference])
            }
            if withReLU { XCTAssertTrue(results[1][0].allSatisfy { $0 >= 0 }, "\(shape): the output must be rectified") }
            for (index, name) in ["output", "input gradient", "weight gradient", "bias gradient", "running mean",
                                  "running variance", "inference output"].enumerated() {
                assertClose(results[1][index], results[0][index], absolute: 1e-5, relative: 1e-5, "\(shape) \(name)")
            }
        }
    }
}
