import Engine
import OpenCLKit
import XCTest

/// The graph: validation, fusion rules, fused residual ops against their unfused composition,
/// and a graph with fan-out and fan-in trained against a host reference model.
final class GraphTests: XCTestCase {
    private func conv(_ context: ComputeContext, _ from: Int, _ to: Int, kernel: Int = 3, stride: Int = 1, seed: UInt64) throws -> Conv2D {
        var rng = SeededGenerator(seed: seed)
        return try Conv2D(context, inputChannels: from, filters: to, kernelSize: kernel, stride: stride, padding: .same, rng: &rng)
    }

    func testStructuralErrorsNameTheNode() throws {
        let context = try TestDevice.context()
        func expect(_ nodes: [Graph.Node], _ text: String, output: String? = nil, line: UInt = #line) {
            XCTAssertThrowsError(try Graph(inputShape: [1, 4, 4], nodes: nodes, output: output), line: line) { error in
                XCTAssertTrue("\(error)".contains(text), "\(error)", line: line)
            }
        }
        let relu = ReLU(context)
        expect([.init("a", relu, inputs: ["input"]), .init("a", ReLU(context), inputs: ["a"])], "two nodes are named 'a'")
        expect([.init("a", relu, inputs: ["nowhere"])], "node 'a' reads 'nowhere'")
        expect([.init("a", relu, inputs: ["b"]), .init("b", ReLU(context), inputs: ["a"]), .init("c", Add(), inputs: ["a", "b"])], "cycle")
        expect([.init("a", relu, inputs: ["input"]), .init("b", ReLU(context), inputs: ["input"])], "node 'a' (ReLU) does not lead to the output")
        expect([.init("sum", Add(), inputs: ["input"])], "node 'sum' (Add) takes at least 2 inputs")
        expect([.init("input", relu, inputs: ["input"])], "may not be named 'input'")
        expect([.init("c", try conv(context, 1, 2, seed: 1), inputs: ["input"]), .init("sum", Add(), inputs: ["c", "input"])],
               "node 'sum' (Add) cannot take input [1, 2, 4, 4], [1, 1, 4, 4]")
    }

    func testFusionNeedsASoleConsumerAndAnUnobservedIntermediate() throws {
        let context = try TestDevice.context()
        let norm = try BatchNorm(context, channels: 1)
        let relu = ReLU(context)
        let pool = try MaxPool2D(context, size: 2)
        let chain = try Graph(inputShape: [1, 4, 8], layers: [norm, relu, pool])
        XCTAssertEqual(chain.steps.map(\.op.kind), ["BatchNormReLUMaxPool"])
        XCTAssertEqual(chain.steps[0].covers, ["0", "1", "2"])
        XCTAssertEqual(chain.namedParameters.map(\.name), ["0.weight", "0.bias"])
        XCTAssertTrue(chain.steps[0].op.parameters[0] === norm.weight, "the fused op holds the BatchNorm's own parameters")
        // Observing the ReLU keeps it: BatchNorm + ReLU fuse, the pool stays.
        let observed = try chain.rebuilt(observing: ["1"])
        XCTAssertEqual(observed.steps.map(\.op.kind), ["BatchNormReLU", "MaxPool2D"])
        // A BatchNorm read by two nodes is not fused.
        let branches = try Graph(inputShape: [1, 4, 8], nodes: [
            .init("norm", norm, inputs: ["input"]), .init("relu", relu, inputs: ["norm"]),
            .init("sum", Add(), inputs: ["norm", "relu"]), .init("after", ReLU(context), inputs: ["sum"]),
        ])
        XCTAssertEqual(branches.steps.map(\.op.kind), ["BatchNorm", "ReLU", "AddReLU"])
        XCTAssertEqual(try chain.rebuilt(observing: [], fuse: false).steps.count, 3)
        XCTAssertThrowsError(try chain.forward(try Tensor.zeros(context, shape: [1, 1, 4, 8]), mode: .inference, keeping: ["1"])) { error in
            XCTAssertTrue("\(error)".contains("rebuild the graph observing it"), "\(error)")
        }
        let kept = try observed.forward(try Tensor(context, shape: [1, 1, 4, 8], values: (0..<32).map { Float($0 % 5) - 2 }), mode: .inference, keeping: ["1"])
        XCTAssertEqual(kept.kept["1"]?.shape, [1, 1, 4, 8])
        XCTAssertTrue(try kept.kept["1"]!.toArray().allSatisfy { $0 >= 0 })
    }

    /// Add -> ReLU fused (AddReLU) against the two plain ops, inside a residual block: output,
    /// every parameter gradient, the input gradient and the running statistics.
    func testFusedResidualBlockMatchesTheUnfusedGraph() throws {
        let context = try TestDevice.context()
        let shape = [2, 2, 6, 8]
        var results: [[[Float]]] = []
        for fused in [false, true] {
            let nodes: [Graph.Node] = [
                .init("conv1", try conv(context, 2, 3, seed: 3), inputs: ["input"]),
                .init("bn1", try BatchNorm(context, channels: 3), inputs: ["conv1"]),
                .init("relu1", ReLU(context), inputs: ["bn1"]),
                .init("conv2", try conv(context, 3, 3, seed: 4), inputs: ["relu1"]),
                .init("bn2", try BatchNorm(context, channels: 3), inputs: ["conv2"]),
                .init("proj", try conv(context, 2, 3, kernel: 1, seed: 5), inputs: ["input"]),
                .init("sum", Add(), inputs: ["bn2", "proj"]),
                .init("out", ReLU(context), inputs: ["sum"]),
            ]
            let graph = try Graph(inputShape: Array(shape.dropFirst()), nodes: nodes, fuse: fused)
            XCTAssertEqual(graph.steps.map(\.op.kind).filter { $0.contains("ReLU") },
                           fused ? ["BatchNormReLU", "AddReLU"] : ["ReLU", "ReLU"])
            let x = try Tensor(context, shape: shape, values: PointwiseFixtures.normal(shape.reduce(1, *), seed: 8))
            let y = try graph.forward(x, mode: .training)
            let dx = try graph.backward(try Tensor(context, shape: y.shape, values: PointwiseFixtures.normal(y.count, seed: 9)))
            var values = [try y.toArray(), try dx.toArray()]
            values += try graph.parameters.map { try $0.gradient.toArray() }
            values += try graph.namedBuffers.map { try $0.tensor.toArray() }
            values.append(try graph.forward(x, mode: .inference).toArray())
            results.append(values)
        }
        XCTAssertTrue(results[1][0].contains(0), "the test needs negative sums")
        XCTAssertEqual(results[1].count, results[0].count)
        for (index, (fused, plain)) in zip(results[1], results[0]).enumerated() {
            XCTAssertEqual(fused, plain, "value \(index) differs between the fused and the unfused graph")
        }
    }

    /// A graph where one node feeds three others (a residual add, a convolution and a 1x1
    /// convolution) and two joins (Add, Concat), trained three SGD steps, against the same
    /// model computed on the host with the reference ops. Tolerance: 2e-4 relative on losses
    /// and parameters (float sums in another order).
    func testFanOutAndFanInTrainLikeTheReferenceModel() throws {
        let context = try TestDevice.context()
        let n = 3, side = 6
        let a = try conv(context, 1, 3, seed: 11), b = try conv(context, 3, 3, seed: 12), c = try conv(context, 3, 2, kernel: 1, seed: 13)
        var rng = SeededGenerator(seed: 14)
        let head = try Dense(context, inputFeatures: 5, outputFeatures: 1, rng: &rng)
        let graph = try Graph(inputShape: [1, side, side], nodes: [
            .init("a", a, inputs: ["input"]), .init("r", ReLU(context), inputs: ["a"]),
            .init("b", b, inputs: ["r"]), .init("sum", Add(), inputs: ["r", "b"]),
            .init("c", c, inputs: ["r"]), .init("cat", Concat(), inputs: ["sum", "c"]),
            .init("gap", try GlobalAvgPool(context), inputs: ["cat"]), .init("head", head, inputs: ["gap"]),
        ])
        var host = try graph.parameters.map { try $0.value.toArray() }
        let images = PointwiseFixtures.normal(n * side * side, seed: 15)
        let labels: [Float] = [1, 0, 1]
        let loss = try BinaryCrossEntropy(context)
        let sgd = try SGD(context, learningRate: 0.5)
        for step in 0..<3 {
            let deviceLoss = try graph.trainStep(
                input: try Tensor(context, shape: [n, 1, side, side], values: images), targets: try Tensor(context, shape: [n], values: labels),
                loss: loss, optimizer: sgd).loss.toArray()[0]
            let (hostLoss, gradients) = try Self.referenceStep(host, images: images, labels: labels, n: n, side: side)
            for index in host.indices {
                var buffer: [Float]?
                OptimizerReference.sgdStep(&host[index], gradient: gradients[index], buffer: &buffer, learningRate: 0.5, momentum: 0, nesterov: false, decay: 0)
            }
            XCTAssertEqual(deviceLoss, hostLoss, accuracy: 2e-4 * max(1, abs(hostLoss)), "step \(step) loss")
        }
        for (parameter, expected) in zip(graph.parameters, host) {
            assertClose(try parameter.value.toArray(), expected, absolute: 2e-4, relative: 2e-4, parameter.name)
        }
    }

    /// Loss and parameter gradients of the fan-out/fan-in model, in the graph's parameter
    /// order (a, b, c weights and biases, head), from the reference ops.
    static func referenceStep(_ p: [[Float]], images: [Float], labels: [Float], n: Int, side: Int) throws -> (Float, [[Float]]) {
        func geometry(_ from: Int, _ to: Int, _ kernel: Int) throws -> ConvGeometry {
            try ConvGeometry(batch: n, inChannels: from, height: side, width: side, filters: to,
                             kernelHeight: kernel, kernelWidth: kernel, stride: 1, padding: .same)
        }
        let ga = try geometry(1, 3, 3), gb = try geometry(3, 3, 3), gc = try geometry(3, 2, 1)
        let a = ConvolutionReference.forward(input: images, weight: p[0], bias: p[1], geometry: ga)
        let r = ActivationReference.relu(a)
        let b = ConvolutionReference.forward(input: r, weight: p[2], bias: p[3], geometry: gb)
        let sum = GraphOpsReference.add([r, b])
        let c = ConvolutionReference.forward(input: r, weight: p[4], bias: p[5], geometry: gc)
        let shapes = [[n, 3, side, side], [n, 2, side, side]]
        let cat = GraphOpsReference.concat([sum, c], shapes: shapes)
        let plane = side * side
        let gap = PoolingReference.globalAverageForward(cat, planes: n * 5, pixels: plane)
        var logits = [Float](repeating: 0, count: n)
        GEMMReference.multiply(m: n, n: 1, k: 5, a: gap, lda: 5, b: p[6], ldb: 5, transposeB: true, c: &logits, ldc: 1, columnBias: p[7])
        let (loss, dLogits) = LossReference.binaryCrossEntropy(logits: logits, targets: labels, classWeights: [1, 1])
        var dW = [Float](repeating: 0, count: 5), dGap = [Float](repeating: 0, count: n * 5)
        GEMMReference.multiply(m: 1, n: 5, k: n, a: dLogits, lda: 1, transposeA: true, b: gap, ldb: 5, c: &dW, ldc: 5)
        let dBias = GEMMReference.sumColumns(dLogits, rows: n, columns: 1)
        GEMMReference.multiply(m: n, n: 5, k: 1, a: dLogits, lda: 1, b: p[6], ldb: 5, c: &dGap, ldc: 5)
        let dCat = PoolingReference.globalAverageBackward(dGap, planes: n * 5, pixels: plane)
        let parts = GraphOpsReference.concatBackward(dCat, shapes: shapes)
        let dSum = parts[0], dC = parts[1]
        let cGrads = ConvolutionReference.backwardWeights(input: r, outputGradient: dC, geometry: gc)
        let bGrads = ConvolutionReference.backwardWeights(input: r, outputGradient: dSum, geometry: gb)
        // r feeds the sum, b and c: its gradient is the sum of the three.
        let dR = GraphOpsReference.add([
            dSum, ConvolutionReference.backwardInput(outputGradient: dSum, weight: p[2], geometry: gb),
            ConvolutionReference.backwardInput(outputGradient: dC, weight: p[4], geometry: gc),
        ])
        let dA = ActivationReference.reluBackward(input: a, outputGradient: dR)
        let aGrads = ConvolutionReference.backwardWeights(input: images, outputGradient: dA, geometry: ga)
        return (loss, [aGrads.weight, aGrads.bias, bGrads.weight, bGrads.bias, cGrads.weight, cGrads.bias, dW, dBias])
    }

    /// The gradient at an inner node, through only the steps after it, equals what a full
    /// backward passes through that node (here: the input gradient of the step after it).
    func testGradientAtAnInnerNode() throws {
        let context = try TestDevice.context()
        let second = try conv(context, 2, 2, seed: 22)
        let graph = try Graph(inputShape: [1, 5, 5], nodes: [
            .init("first", try conv(context, 1, 2, seed: 21), inputs: ["input"]),
            .init("second", second, inputs: ["first"]), .init("sum", Add(), inputs: ["first", "second"]),
        ])
        let x = try Tensor(context, shape: [2, 1, 5, 5], values: PointwiseFixtures.normal(50, seed: 23))
        let dy = PointwiseFixtures.normal(100, seed: 24)
        _ = try graph.forward(x, mode: .training)
        // Before the graph's backward, which hands every step's saved input back to the pool.
        let throughSecond = try second.backward(try Tensor(context, shape: [2, 2, 5, 5], values: dy)).toArray()
        let atFirst = try graph.backpropagate(try Tensor(context, shape: [2, 2, 5, 5], values: dy), to: "first", mode: { _ in .run(.training) })
        XCTAssertEqual(try atFirst.toArray(), zip(dy, throughSecond).map { $0 + $1 }, "the shortcut's gradient plus the convolution's")
    }
}
