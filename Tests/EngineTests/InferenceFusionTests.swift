import Engine
import OpenCLKit
import XCTest

/// The inference rewrite: the folding kernel and the rectifying stores against their CPU
/// references, and `InferenceGraph` against the unfolded graph's inference pass.
///
/// Folding cannot be bit-identical to the unfolded layers: conv(x, W * s) + (b - mean) * s + beta
/// rounds each product W * s and sums in another order than (conv(x, W) + b) * s + (beta - mean * s).
/// The difference is a few float32 rounding steps per layer, so whole graphs are compared within
/// |error| <= 1e-5 * (largest |output|) + 1e-4 * |expected|.
final class InferenceFusionTests: XCTestCase {
    private func random(_ count: Int, _ rng: inout SeededGenerator, scale: Float = 1, offset: Float = 0) -> [Float] {
        (0..<count).map { _ in rng.nextNormal() * scale + offset }
    }

    /// Gives a BatchNorm statistics and an affine map far from the identity, so folding matters.
    private func randomize(_ norm: BatchNorm, seed: UInt64) throws {
        var rng = SeededGenerator(seed: seed)
        let c = norm.channels
        try norm.weight.value.buffer.write(random(c, &rng, scale: 0.5, offset: 1))
        try norm.bias.value.buffer.write(random(c, &rng, scale: 0.3))
        try norm.runningMean.buffer.write(random(c, &rng, scale: 0.4))
        try norm.runningVar.buffer.write((0..<c).map { _ in 0.2 + 2 * rng.nextUniform() })
    }

    private func conv(_ context: ComputeContext, _ from: Int, _ to: Int, kernel: Int = 3, stride: Int = 1, seed: UInt64) throws -> Conv2D {
        var rng = SeededGenerator(seed: seed)
        let layer = try Conv2D(context, inputChannels: from, filters: to, kernelSize: kernel, stride: stride, padding: .same, rng: &rng)
        try layer.bias.value.buffer.write(random(to, &rng, scale: 0.2))
        return layer
    }

    private func assertGraphClose(_ actual: [Float], _ expected: [Float], _ message: String, file: StaticString = #filePath, line: UInt = #line) {
        let scale = expected.map(abs).max() ?? 0
        assertClose(actual, expected, absolute: 1e-5 * max(scale, 1e-3), relative: 1e-4, message, file: file, line: line)
    }

    func testFoldingKernelMatchesReference() throws {
        let context = try TestDevice.context()
        let folding = try BatchNormFolding(context)
        var rng = SeededGenerator(seed: 11)
        for (rows, columns, withBias) in [(7, 29, true), (5, 1, false), (33, 70, true)] {
            let norm = try BatchNorm(context, channels: rows)
            try randomize(norm, seed: UInt64(rows))
            let weight = random(rows * columns, &rng)
            let bias = withBias ? random(rows, &rng) : nil
            let foldedWeight = try DeviceBuffer<Float>(context, count: rows * columns)
            let foldedBias = try DeviceBuffer<Float>(context, count: rows)
            try folding.fold(
                weight: try DeviceBuffer(context, weight), bias: try bias.map { try DeviceBuffer(context, $0) }, rows: rows, columns: columns,
                norm: norm, intoWeight: foldedWeight, bias: foldedBias)
            let expected = FoldingReference.fold(
                weight: weight, bias: bias, gamma: try norm.weight.value.toArray(), beta: try norm.bias.value.toArray(),
                mean: try norm.runningMean.toArray(), variance: try norm.runningVar.toArray(), epsilon: norm.epsilon)
            assertClose(try foldedWeight.read(), expected.weight, absolute: 1e-6, relative: 1e-6, "\(rows) x \(columns)")
            assertClose(try foldedBias.read(), expected.bias, absolute: 1e-6, relative: 1e-6, "\(rows) x \(columns)")
        }
        let norm = try BatchNorm(context, channels: 3)
        let buffer = try DeviceBuffer<Float>(context, count: 8)
        XCTAssertThrowsError(try folding.fold(weight: buffer, bias: nil, rows: 4, columns: 2, norm: norm, intoWeight: buffer, bias: buffer)) { error in
            XCTAssertTrue("\(error)".contains("BatchNorm(3) cannot fold into a layer of 4 outputs"), "\(error)")
        }
    }

    /// The ReLU in the store of each algorithm (Winograd: its output transform) against max(reference, 0).
    func testRectifiedConvolutionMatchesReference() throws {
        let context = try TestDevice.context()
        var rng = SeededGenerator(seed: 5)
        let shapes: [(n: Int, c: Int, h: Int, w: Int, f: Int, k: Int, stride: Int, padding: Padding)] = [
            (2, 3, 17, 23, 7, 3, 1, .same), (1, 8, 12, 12, 10, 3, 1, .same), (1, 4, 4, 5, 3, 3, 1, .valid), (2, 5, 11, 9, 6, 3, 2, .same),
        ]
        for algorithm in ["direct", "im2col", "winograd"] {
            let convolution = try Convolution(context)
            convolution.pinnedAlgorithm = algorithm
            for s in shapes {
                let g = try ConvGeometry(batch: s.n, inChannels: s.c, height: s.h, width: s.w, filters: s.f, kernelHeight: s.k,
                                         kernelWidth: s.k, stride: s.stride, padding: s.padding)
                let x = random(g.inputShape.reduce(1, *), &rng)
                let w = random(g.weightShape.reduce(1, *), &rng, scale: 0.3)
                let b = random(g.filters, &rng, scale: 0.5)
                let output = try DeviceBuffer<Float>(context, count: g.outputShape.reduce(1, *))
                try convolution.forward(
                    input: try DeviceBuffer(context, x), weight: try DeviceBuffer(context, w), bias: try DeviceBuffer(context, b),
                    output: output, geometry: g, rectify: true)
                let expected = ConvolutionReference.forward(input: x, weight: w, bias: b, geometry: g).map { max($0, 0) }
                XCTAssertTrue(expected.contains(0) && expected.contains { $0 > 0 }, "the case must exercise both sides of the ReLU")
                assertClose(try output.read(), expected, absolute: 2e-4, relative: 1e-4, "\(algorithm) \(g)")
            }
        }
    }

    /// The RECTIFY bit of the GEMM kernels, packed and naive, with either bias and with beta.
    func testRectifiedGEMMMatchesReference() throws {
        let context = try TestDevice.context()
        let gemm = try GEMM(context)
        var rng = SeededGenerator(seed: 9)
        for path in [GEMMPath.packed, .naive] {
            for (m, n, k, perRow, beta) in [(5, 37, 19, false, Float(0)), (33, 17, 45, true, 0), (12, 32, 64, false, 0.5)] {
                let a = random(m * k, &rng)
                let b = random(k * n, &rng)
                let c0 = random(m * n, &rng)
                let bias = random(perRow ? m : n, &rng)
                var expected = c0
                GEMMReference.multiply(
                    m: m, n: n, k: k, a: a, lda: k, b: b, ldb: n, beta: beta, c: &expected, ldc: n,
                    rowBias: perRow ? bias : nil, columnBias: perRow ? nil : bias)
                expected = expected.map { max($0, 0) }
                let c = try DeviceBuffer(context, c0)
                let biasBuffer = try DeviceBuffer(context, bias)
                try gemm.multiply(
                    m: m, n: n, k: k, GEMMOperand(try DeviceBuffer(context, a), leadingDimension: k),
                    GEMMOperand(try DeviceBuffer(context, b), leadingDimension: n), beta: beta, GEMMOperand(c, leadingDimension: n),
                    bias: perRow ? .perRow(biasBuffer) : .perColumn(biasBuffer), rectify: true, path: path)
                assertClose(try c.read(), expected, absolute: 2e-4, relative: 1e-4, "\(path) \(m)x\(n)x\(k)")
            }
        }
    }

    /// A pneumonet-like chain, with a Dense -> BatchNorm -> ReLU head: what is fused, and the
    /// same outputs as the unfolded graph's inference pass.
    func testFoldedChainMatchesUnfoldedGraph() throws {
        let context = try TestDevice.context()
        var rng = SeededGenerator(seed: 3)
        let norms = try [4, 8, 6].map { try BatchNorm(context, channels: $0) }
        for (index, norm) in norms.enumerated() { try randomize(norm, seed: UInt64(20 + index)) }
        let layers: [any Op] = [
            try conv(context, 2, 4, seed: 1), norms[0], ReLU(context), try MaxPool2D(context, size: 2),
            try conv(context, 4, 8, seed: 2), norms[1], ReLU(context),
            try GlobalAvgPool(context), try Dropout(context, rate: 0.3, seed: 1),
            try Dense(context, inputFeatures: 8, outputFeatures: 6, rng: &rng), norms[2], ReLU(context),
            try Dense(context, inputFeatures: 6, outputFeatures: 3, rng: &rng),
        ]
        let graph = try Graph(inputShape: [2, 12, 14], layers: layers)
        let inference = try InferenceGraph(graph, fold: true)
        XCTAssertEqual(inference.steps.map(\.op.kind), [
            "Conv2D+BatchNorm+ReLU", "MaxPool2D+Conv2D+BatchNorm+ReLU", "GlobalAvgPool", "Dense+BatchNorm+ReLU", "Dense",
        ])
        XCTAssertEqual(inference.steps.map(\.name), ["2", "6", "7", "11", "12"], "the dropout (8) passes through at inference")
        XCTAssertEqual(try InferenceGraph(graph, environment: [InferenceGraph.foldingVariable: "0"]).steps.map(\.op.kind),
                       graph.steps.map(\.op.kind))
        let input = try Tensor(context, shape: [3, 2, 12, 14], values: random(3 * 2 * 12 * 14, &rng))
        let expected = try graph.forward(input, mode: .inference).toArray()
        assertGraphClose(try inference.forward(input).toArray(), expected, "chain")
    }

    /// One channel in, as pneumonet's first layer: the pooling after it goes into its store
    /// (for batches large enough), not into the next convolution's padding pass.
    func testOneChannelConvolutionKeepsItsPoolingInItsStore() throws {
        let context = try TestDevice.context()
        var rng = SeededGenerator(seed: 9)
        let layers: [any Op] = [
            try conv(context, 1, 4, seed: 10), ReLU(context), try MaxPool2D(context, size: 2),
            try conv(context, 4, 8, seed: 11), ReLU(context), try GlobalAvgPool(context),
        ]
        let graph = try Graph(inputShape: [1, 16, 16], layers: layers)
        let inference = try InferenceGraph(graph)
        XCTAssertEqual(inference.steps.map(\.op.kind), ["Conv2D+ReLU+MaxPool2D", "Conv2D+ReLU", "GlobalAvgPool"])
        let input = try Tensor(context, shape: [2, 1, 16, 16], values: random(512, &rng))
        assertGraphClose(try inference.forward(input).toArray(), try graph.forward(input, mode: .inference).toArray(), "one channel")
    }

    /// The notebook's blocks (valid convolution, ReLU, pooling, dropout): without the dropout
    /// in between, each pooling goes into the next convolution; a kept dropout stays.
    func testDropoutLeavesTheInferenceGraphSoPoolingJoinsTheNextConvolution() throws {
        let context = try TestDevice.context()
        var rng = SeededGenerator(seed: 8)
        func valid(_ from: Int, _ to: Int) throws -> Conv2D {
            try Conv2D(context, inputChannels: from, filters: to, kernelSize: 3, padding: .valid, rng: &rng)
        }
        // Six channels in: more than inference pools in a convolution's store, so the first
        // pooling has nowhere to go but the next convolution's padding pass.
        let layers: [any Op] = [
            try valid(6, 8), ReLU(context), try MaxPool2D(context, size: 2), try Dropout(context, rate: 0.25, seed: 1),
            try valid(8, 16), ReLU(context), try MaxPool2D(context, size: 2), try Dropout(context, rate: 0.25, seed: 2),
            Flatten(), try Dense(context, inputFeatures: 16 * 4 * 4, outputFeatures: 1, rng: &rng),
        ]
        let graph = try Graph(inputShape: [6, 22, 22], layers: layers)
        let inference = try InferenceGraph(graph)
        XCTAssertEqual(inference.steps.map(\.op.kind), ["Conv2D+ReLU", "MaxPool2D+Conv2D+ReLU+MaxPool2D", "Flatten", "Dense"])
        let input = try Tensor(context, shape: [2, 6, 22, 22], values: random(2 * 6 * 22 * 22, &rng))
        let expected = try graph.forward(input, mode: .inference).toArray()
        assertGraphClose(try inference.forward(input).toArray(), expected, "without dropout")

        let observing = try InferenceGraph(try graph.rebuilt(observing: ["3"]))
        XCTAssertEqual(observing.steps.map(\.op.kind).prefix(3), ["Conv2D+ReLU+MaxPool2D", "Dropout", "Conv2D+ReLU+MaxPool2D"])
        assertGraphClose(try observing.forward(input).toArray(), expected, "with the kept dropout")
    }

    /// A residual block: the BatchNorms before the Add fold without a ReLU (the Add's ReLU stays
    /// fused with it), a 1 x 1 stride-2 projection folds too, and a kept node is never absorbed.
    func testFoldedResidualBlockMatchesUnfoldedGraph() throws {
        let context = try TestDevice.context()
        var rng = SeededGenerator(seed: 4)
        let norms = try (0..<3).map { _ in try BatchNorm(context, channels: 6) }
        for (index, norm) in norms.enumerated() { try randomize(norm, seed: UInt64(30 + index)) }
        let nodes: [Graph.Node] = [
            .init("conv1", try conv(context, 3, 6, stride: 2, seed: 5), inputs: ["input"]), .init("bn1", norms[0], inputs: ["conv1"]),
            .init("relu1", ReLU(context), inputs: ["bn1"]),
            .init("conv2", try conv(context, 6, 6, seed: 6), inputs: ["relu1"]), .init("bn2", norms[1], inputs: ["conv2"]),
            .init("proj", try conv(context, 3, 6, kernel: 1, stride: 2, seed: 7), inputs: ["input"]),
            .init("proj_bn", norms[2], inputs: ["proj"]),
            .init("sum", Add(), inputs: ["bn2", "proj_bn"]), .init("out", ReLU(context), inputs: ["sum"]),
        ]
        let graph = try Graph(inputShape: [3, 13, 10], nodes: nodes)
        let inference = try InferenceGraph(graph)
        XCTAssertEqual(inference.steps.map(\.op.kind), ["Conv2D+BatchNorm+ReLU", "Conv2D+BatchNorm", "Conv2D+BatchNorm", "AddReLU"])
        let input = try Tensor(context, shape: [2, 3, 13, 10], values: random(2 * 3 * 13 * 10, &rng))
        assertGraphClose(try inference.forward(input).toArray(), try graph.forward(input, mode: .inference).toArray(), "residual")

        let observing = try InferenceGraph(try graph.rebuilt(observing: ["bn1"]))
        XCTAssertEqual(observing.steps.map(\.op.kind).prefix(2), ["Conv2D+BatchNorm", "ReLU"])
        XCTAssertEqual(observing.steps[0].name, "bn1")
    }

    /// The folded weights follow every change of the parameters and running statistics (here a
    /// training step and a direct write), with no call to refresh them.
    func testFoldedWeightsFollowParameterChanges() throws {
        let context = try TestDevice.context()
        var rng = SeededGenerator(seed: 8)
        let norm = try BatchNorm(context, channels: 5)
        let layer = try conv(context, 2, 5, seed: 9)
        let graph = try Graph(inputShape: [2, 8, 8], layers: [layer, norm, ReLU(context), try GlobalAvgPool(context)])
        let inference = try InferenceGraph(graph, fold: true)
        let input = try Tensor(context, shape: [4, 2, 8, 8], values: random(4 * 2 * 8 * 8, &rng))
        let first = try inference.forward(input).toArray()
        assertGraphClose(first, try graph.forward(input, mode: .inference).toArray(), "before")

        _ = try graph.forward(input, mode: .training)  // moves the running statistics
        try graph.backwardToParameters(try Tensor(context, shape: [4, 5], values: random(20, &rng)))
        try SGD(context, learningRate: 0.5).step(graph.parameters)
        try layer.weight.value.buffer.write(random(layer.weight.value.count, &rng, scale: 0.3))
        let after = try inference.forward(input).toArray()
        XCTAssertGreaterThan(zip(after, first).map { abs($0 - $1) }.max() ?? 0, 1e-3, "the changes must show in the output")
        assertGraphClose(after, try graph.forward(input, mode: .inference).toArray(), "after")
    }

    func testInferenceOpsRefuseTraining() throws {
        let context = try TestDevice.context()
        let fused = try InferenceConvolution(try conv(context, 1, 2, seed: 1), norm: try BatchNorm(context, channels: 2), relu: true, pool: nil)
        let input = try Tensor.zeros(context, shape: [1, 1, 4, 4])
        XCTAssertThrowsError(try fused.forward(input, mode: .training)) { error in
            XCTAssertTrue("\(error)".contains("inference-only"), "\(error)")
        }
        XCTAssertThrowsError(try fused.backward(try Tensor.zeros(context, shape: [1, 2, 4, 4]))) { error in
            XCTAssertTrue("\(error)".contains("no backward pass"), "\(error)")
        }
        XCTAssertThrowsError(try InferenceConvolution(try conv(context, 1, 2, seed: 1), norm: try BatchNorm(context, channels: 3), relu: false, pool: nil)) { error in
            XCTAssertTrue("\(error)".contains("BatchNorm(3) cannot follow Conv2D(1 -> 2)"), "\(error)")
        }
    }
}
