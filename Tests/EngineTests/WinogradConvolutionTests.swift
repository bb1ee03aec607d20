import Engine
import OpenCLKit
import XCTest

/// Winograd F(2x2, 3x3) against the float64 `ConvolutionReference`: forward, input, weight
/// and bias gradients, odd sizes, channel counts that are not multiples of 4, batches, `same`
/// and `valid`, chunked batches, and finite differences; both the fused kernels (where the
/// profile fuses them: planes whose rows of tiles fill one vector, several rows per vector,
/// rows rounded up to the kernel's grid, a last group the tiles do not fill; the weight
/// gradient where the input channels come in sixteens) and the path through memory (every
/// pass with `fusesTransforms` off, other weight gradients, and a work-item's scratch too
/// large for local memory).
///
/// Tolerance |error| <= 4e-4 + 2e-4 * |expected| for N(0, 1) data: twice the direct kernels'
/// (`ConvolutionTests`), because the transforms add and halve values before the products,
/// so each output sums up to 16 rounded products of sums instead of 9 plain ones. The errors
/// measured on the built-in models' shapes are in `testErrorOnModelShapes`.
final class WinogradConvolutionTests: XCTestCase {
    private struct Case {
        let n, c, h, w, f: Int
        let padding: Padding
    }

    private let cases: [Case] = [
        Case(n: 2, c: 9, h: 7, w: 9, f: 5, padding: .same),
        Case(n: 3, c: 10, h: 8, w: 11, f: 7, padding: .valid),
        Case(n: 1, c: 13, h: 5, w: 6, f: 3, padding: .valid),
        Case(n: 2, c: 3, h: 6, w: 6, f: 9, padding: .same),
        Case(n: 1, c: 8, h: 1, w: 4, f: 4, padding: .same),
        Case(n: 2, c: 17, h: 12, w: 13, f: 21, padding: .same),
        Case(n: 1, c: 6, h: 3, w: 3, f: 2, padding: .valid),
        // Planes whose rows of tiles are the fused kernel's grid: 7 x 8 (four rows per vector),
        // 5 x 32 (one row per vector, an odd height), 6 x 64 (two vectors per row), 3 x 4 (a
        // group of 16 holding 4 tiles), 7 x 8 and 16 x 16 outputs of inputs 10 and 18 wide
        // (5 and 9 tiles a row, in grids of 8 and 16); the odd sizes above round up likewise.
        Case(n: 2, c: 9, h: 7, w: 8, f: 5, padding: .same),
        Case(n: 1, c: 17, h: 5, w: 32, f: 21, padding: .same),
        Case(n: 2, c: 8, h: 6, w: 64, f: 16, padding: .same),
        Case(n: 2, c: 8, h: 3, w: 4, f: 3, padding: .same),
        Case(n: 3, c: 10, h: 9, w: 10, f: 7, padding: .valid),
        Case(n: 1, c: 12, h: 18, w: 18, f: 9, padding: .valid),
        // Input channels in sixteens: the weight gradient runs fused too.
        Case(n: 2, c: 16, h: 7, w: 8, f: 5, padding: .same),
        Case(n: 3, c: 32, h: 5, w: 20, f: 11, padding: .valid),
    ]

    func testForwardAndGradientsMatchReference() throws {
        let winograd = try WinogradConvolution(TestDevice.context())
        for c in cases { try check(c, winograd) }
    }

    func testChunkedBatchAndOtherTilesMatchReference() throws {
        let context = try TestDevice.context()
        let gemm = try GEMM(context, tuning: GEMMTuning(tileRows: 3, tileColumns: 8, vectorWidth: 4, localSize: 2))
        let winograd = try WinogradConvolution(context, gemm: gemm)
        winograd.scratchLimitBytes = 1  // one image per chunk; the weight gradient sums over chunks
        for c in cases.prefix(3) { try check(c, winograd) }
    }

    func testThroughMemoryMatchesReferenceWhereFusedWouldRun() throws {
        let winograd = try WinogradConvolution(TestDevice.context())
        winograd.fusesTransforms = false
        for c in cases { try check(c, winograd) }
    }

    /// The fused kernels run every pass they take when asked to, unless a work-item's scratch
    /// outgrows the device's local memory, and give the numbers of the path through memory
    /// within rounding.
    func testFusedKernelRunsUnlessItsScratchOutgrowsLocalMemory() throws {
        let context = try TestDevice.context()
        let fused = try WinogradConvolution(context), unfused = try WinogradConvolution(context)
        fused.fusesTransforms = true
        unfused.fusesTransforms = false
        // 16 points x 16 tiles x 4 bytes per channel: one more channel than local memory holds.
        let tooMany = context.device.localMemory / 1024 + 1
        for (channels, height, width) in [(16, 9, 16), (tooMany, 4, 4)] {
            let g = try ConvGeometry(
                batch: 2, inChannels: channels, height: height, width: width, filters: 12, kernelHeight: 3, kernelWidth: 3, stride: 1,
                padding: .valid)
            var rng = SeededGenerator(seed: 12)
            func random(_ count: Int) throws -> DeviceBuffer<Float> { try DeviceBuffer(context, (0..<count).map { _ in rng.nextNormal() }) }
            let x = try random(g.inputShape.reduce(1, *)), w = try random(g.weightShape.reduce(1, *)), b = try random(g.filters)
            let dy = try random(g.outputShape.reduce(1, *))
            var results: [[Float]] = []
            for winograd in [fused, unfused] {
                let ledger = WorkLedger.start(for: context)
                defer { WorkLedger.stop(for: context) }
                let y = try DeviceBuffer<Float>(context, count: dy.count), dx = try DeviceBuffer<Float>(context, count: x.count)
                try winograd.forward(input: x, weight: w, bias: b, output: y, geometry: g)
                try winograd.backward(input: nil, outputGradient: dy, weight: w, inputGradient: dx, weightGradient: nil, biasGradient: nil, geometry: g)
                let dw = try DeviceBuffer<Float>(context, count: w.count)
                try winograd.backward(input: x, outputGradient: dy, weight: nil, inputGradient: nil, weightGradient: dw, biasGradient: nil, geometry: g)
                let launches = ledger.entries.mapValues(\.launches)
                // The weight gradient keeps 16 x filters x channels sums in local memory: 16 channels fit, too many do not.
                XCTAssertEqual(launches["winograd_fused_weight_grad"], winograd === fused && channels == 16 ? 1 : nil, "\(channels) channels")
                // The input gradient reads dY's 12 channels: fused whenever asked.
                let fusedPasses = winograd === fused ? (channels < tooMany ? 2 : 1) : 0
                XCTAssertEqual(launches["winograd_fused"] ?? 0, fusedPasses, "\(channels) channels")
                XCTAssertEqual((launches["winograd_input_tiles"] ?? 0) - (launches["winograd_fused_weight_grad"] == nil ? 1 : 0), 2 - fusedPasses,
                               "\(channels) channels")
                results.append(try y.read() + dx.read() + dw.read())
            }
            for (a, b) in zip(results[0], results[1]) { XCTAssertEqual(a, b, accuracy: 2e-4 + 2e-4 * abs(b)) }
        }
    }

    func testSupportsOnlyThreeByThreeStrideOneWithEnoughChannels() throws {
        let winograd = try WinogradConvolution(TestDevice.context())
        func geometry(c: Int, k: Int, stride: Int, padding: Padding = .same) throws -> ConvGeometry {
            try ConvGeometry(batch: 1, inChannels: c, height: 9, width: 9, filters: 4, kernelHeight: k, kernelWidth: k, stride: stride, padding: padding)
        }
        XCTAssertTrue(winograd.supports(try geometry(c: 16, k: 3, stride: 1)))
        XCTAssertTrue(winograd.supports(try geometry(c: 8, k: 3, stride: 1, padding: .valid)))
        XCTAssertFalse(winograd.supports(try geometry(c: 3, k: 3, stride: 1)))
        XCTAssertFalse(winograd.supports(try geometry(c: 16, k: 3, stride: 2)))
        XCTAssertFalse(winograd.supports(try geometry(c: 16, k: 5, stride: 1)))
        XCTAssertEqual(winograd.name, "winograd")
        let strided = try geometry(c: 16, k: 3, stride: 2)
        let buffer = try DeviceBuffer<Float>(winograd.context, count: 16 * 81)
        XCTAssertThrowsError(try winograd.forward(input: buffer, weight: buffer, bias: nil, output: buffer, geometry: strided))
    }

    func testRepeatedRunsGiveIdenticalResults() throws {
        let context = try TestDevice.context()
        let winograd = try WinogradConvolution(context)
        winograd.scratchLimitBytes = 1
        let g = try ConvGeometry(batch: 3, inChannels: 9, height: 10, width: 7, filters: 6, kernelHeight: 3, kernelWidth: 3, stride: 1, padding: .same)
        var rng = SeededGenerator(seed: 5)
        func random(_ shape: [Int]) throws -> DeviceBuffer<Float> {
            try DeviceBuffer(context, (0..<shape.reduce(1, *)).map { _ in rng.nextNormal() })
        }
        let x = try random(g.inputShape), w = try random(g.weightShape), dy = try random(g.outputShape)
        var runs: [[Float]] = []
        for _ in 0..<2 {
            let y = try DeviceBuffer<Float>(context, count: g.outputShape.reduce(1, *))
            let dx = try DeviceBuffer<Float>(context, count: x.count)
            let dw = try DeviceBuffer<Float>(context, count: w.count)
            let db = try DeviceBuffer<Float>(context, count: g.filters)
            try winograd.forward(input: x, weight: w, bias: nil, output: y, geometry: g)
            try winograd.backward(input: x, outputGradient: dy, weight: w, inputGradient: dx, weightGradient: dw, biasGradient: db, geometry: g)
            runs.append(try y.read() + dx.read() + dw.read() + db.read())
        }
        XCTAssertEqual(runs[0], runs[1])
    }

    /// Central differences of L = sum(conv(x, w) + b) * r) against the backward pass, for
    /// sampled elements of x, w and b. Steps of 1e-2 on N(0, 1) data; L is summed in Double.
    func testGradientsMatchFiniteDifferences() throws {
        let context = try TestDevice.context()
        let winograd = try WinogradConvolution(context)
        for padding in Padding.allCases {
            let g = try ConvGeometry(batch: 2, inChannels: 9, height: 7, width: 8, filters: 5, kernelHeight: 3, kernelWidth: 3, stride: 1, padding: padding)
            var rng = SeededGenerator(seed: 31)
            func random(_ shape: [Int]) -> [Float] { (0..<shape.reduce(1, *)).map { _ in rng.nextNormal() } }
            let x = try DeviceBuffer(context, random(g.inputShape)), w = try DeviceBuffer(context, random(g.weightShape))
            let b = try DeviceBuffer(context, random([g.filters]))
            let r = random(g.outputShape)
            let y = try DeviceBuffer<Float>(context, count: r.count)
            func loss() throws -> Double {
                try winograd.forward(input: x, weight: w, bias: b, output: y, geometry: g)
                return zip(try y.read(), r).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            }
            let dx = try DeviceBuffer<Float>(context, count: x.count), dw = try DeviceBuffer<Float>(context, count: w.count)
            let db = try DeviceBuffer<Float>(context, count: g.filters)
            try winograd.backward(
                input: x, outputGradient: try DeviceBuffer(context, r), weight: w, inputGradient: dx, weightGradient: dw, biasGradient: db,
                geometry: g)
            let epsilon: Float = 1e-2
            for (name, value, gradient) in [("input", x, try dx.read()), ("weight", w, try dw.read()), ("bias", b, try db.read())] {
                for index in GradientCheck.sampleIndices(count: value.count, samples: 16, rng: &rng) {
                    let original = try value.read(offset: index, count: 1)[0]
                    try value.write([original + epsilon], offset: index)
                    let plus = try loss()
                    try value.write([original - epsilon], offset: index)
                    let minus = try loss()
                    try value.write([original], offset: index)
                    let numeric = Float((plus - minus) / Double(2 * epsilon))
                    XCTAssertEqual(gradient[index], numeric, accuracy: 2e-2 * max(1, abs(numeric)), "\(name)[\(index)] \(padding)")
                }
            }
        }
    }

    /// The largest error relative to the largest reference value, for every 3x3 layer of
    /// pneumonet and seed-cnn-tuned at 128 px (batch 2; the first layers, with 1 and 3
    /// channels, as well, though `supports` leaves them to the other algorithms), beside the
    /// direct kernels' error on the same data. The float64 reference is evaluated on 400
    /// sampled elements of each result (every element would take minutes). Measured on the
    /// CPU profile (fused): forward and input gradient at most 6.7e-7 (the direct kernels: up
    /// to 1.1e-6); weight gradient at most 5.7e-7 fused (direct: 3.1e-7), and up to 2.7e-6
    /// through memory (the first layers' 1 and 3 channels), where each Winograd point sums the
    /// products of every tile of the batch in one chain, so its error grows with images x
    /// tiles; the fused kernel splits that sum into work-items' shares. Bounds: 2e-6 and 1e-5,
    /// about 3x the measured worst, far below the noise of a minibatch gradient.
    func testErrorOnModelShapes() throws {
        let context = try TestDevice.context()
        let winograd = try WinogradConvolution(context)
        let direct = try Convolution(context)
        direct.pinnedAlgorithm = "direct"  // the rule gives most of these layers to Winograd
        let shapes: [(name: String, c: Int, size: Int, f: Int, padding: Padding)] = [
            ("pneumonet 1", 1, 128, 16, .same), ("pneumonet 2", 16, 64, 32, .same), ("pneumonet 3", 32, 32, 64, .same),
            ("pneumonet 4", 64, 16, 128, .same), ("pneumonet 5", 128, 8, 256, .same),
            ("seed-cnn-tuned 1", 3, 128, 32, .valid), ("seed-cnn-tuned 2", 32, 63, 64, .valid), ("seed-cnn-tuned 3", 64, 30, 128, .valid),
        ]
        var lines = ["layer | forward winograd / direct | input gradient winograd / direct | weight gradient winograd / direct"]
        for shape in shapes {
            let g = try ConvGeometry(
                batch: 2, inChannels: shape.c, height: shape.size, width: shape.size, filters: shape.f,
                kernelHeight: 3, kernelWidth: 3, stride: 1, padding: shape.padding)
            var rng = SeededGenerator(seed: UInt64(shape.c * 1000 + shape.f))
            func random(_ shape: [Int]) -> [Float] { (0..<shape.reduce(1, *)).map { _ in rng.nextNormal() } }
            let x = random(g.inputShape), w = random(g.weightShape), dy = random(g.outputShape)
            let xb = try DeviceBuffer(context, x), wb = try DeviceBuffer(context, w), dyb = try DeviceBuffer(context, dy)
            let sampled = SampledConvolutionReference(geometry: g, input: x, weight: w, outputGradient: dy)
            var errors: [(Double, Double)] = []
            for pass in 0..<3 {
                let count = [g.outputShape, g.inputShape, g.weightShape][pass].reduce(1, *)
                let a = try DeviceBuffer<Float>(context, count: count), b = try DeviceBuffer<Float>(context, count: count)
                switch pass {
                case 0:
                    try winograd.forward(input: xb, weight: wb, bias: nil, output: a, geometry: g)
                    try direct.forward(input: xb, weight: wb, bias: nil, output: b, geometry: g)
                case 1:
                    try winograd.backward(input: nil, outputGradient: dyb, weight: wb, inputGradient: a, weightGradient: nil, biasGradient: nil, geometry: g)
                    try direct.backwardInput(outputGradient: dyb, weight: wb, inputGradient: b, geometry: g)
                default:
                    try winograd.backward(input: xb, outputGradient: dyb, weight: nil, inputGradient: nil, weightGradient: a, biasGradient: nil, geometry: g)
                    try direct.backwardWeights(input: xb, outputGradient: dyb, weightGradient: b, biasGradient: nil, geometry: g)
                }
                var sampleRNG = SeededGenerator(seed: UInt64(pass + 1))
                let indices = GradientCheck.sampleIndices(count: count, samples: 400, rng: &sampleRNG)
                let expected = indices.map { sampled.value(pass: pass, index: $0) }
                let winogradValues = try a.read(), directValues = try b.read()
                let errorW = relativeError(indices.map { Double(winogradValues[$0]) }, expected)
                let errorD = relativeError(indices.map { Double(directValues[$0]) }, expected)
                XCTAssertLessThanOrEqual(errorW, pass == 2 ? 1e-5 : 2e-6, "\(shape.name) pass \(pass)")
                errors.append((errorW, errorD))
            }
            lines.append("\(shape.name) \(g.inputShape) -> \(g.filters) | " + errors.map { String(format: "%.2e / %.2e", $0.0, $0.1) }.joined(separator: " | "))
        }
        print(lines.joined(separator: "\n"))
    }

    /// max |actual - expected| / max |expected|.
    private func relativeError(_ actual: [Double], _ expected: [Double]) -> Double {
        let scale = expected.reduce(0.0) { max($0, abs($1)) }
        let worst = zip(actual, expected).reduce(0.0) { max($0, abs($1.0 - $1.1)) }
        return worst / max(scale, .leastNormalMagnitude)
    }

    private func check(_ c: Case, _ winograd: WinogradConvolution, file: StaticString = #filePath, line: UInt = #line) throws {
        let context = winograd.context
        let g = try ConvGeometry(
            batch: c.n, inChannels: c.c, height: c.h, width: c.w, filters: c.f, kernelHeight: 3, kernelWidth: 3, stride: 1, padding: c.padding)
        var rng = SeededGenerator(seed: UInt64(c.n * 7919 + c.c * 131 + c.h * 17 + c.w + c.f))
        func random(_ shape: [Int]) -> [Float] { (0..<shape.reduce(1, *)).map { _ in rng.nextNormal() } }
        let x = random(g.inputShape), w = random(g.weightShape), b = random([g.filters]), dy = random(g.outputShape)
        let xBuffer = try DeviceBuffer(context, x), wBuffer = try DeviceBuffer(context, w), dyBuffer = try DeviceBuffer(context, dy)
        let (absolute, relative): (Float, Float) = (4e-4, 2e-4)

        let y = try DeviceBuffer<Float>(context, count: g.outputShape.reduce(1, *))
        try winograd.forward(input: xBuffer, weight: wBuffer, bias: try DeviceBuffer(context, b), output: y, geometry: g)
        assertClose(try y.read(), ConvolutionReference.forward(input: x, weight: w, bias: b, geometry: g),
                    absolute: absolute, relative: relative, "forward \(g)", file: file, line: line)

        // Each gradient alone, then all at once, to check that none depends on another.
        let dx = try DeviceBuffer<Float>(context, count: x.count)
        try winograd.backward(input: nil, outputGradient: dyBuffer, weight: wBuffer, inputGradient: dx, weightGradient: nil, biasGradient: nil, geometry: g)
        let expectedDX = ConvolutionReference.backwardInput(outputGradient: dy, weight: w, geometry: g)
        assertClose(try dx.read(), expectedDX, absolute: absolute, relative: relative, "input gradient \(g)", file: file, line: line)

        let dw = try DeviceBuffer<Float>(context, count: w.count), db = try DeviceBuffer<Float>(context, count: g.filters)
        try winograd.backward(input: xBuffer, outputGradient: dyBuffer, weight: nil, inputGradient: nil, weightGradient: dw, biasGradient: db, geometry: g)
        let expected = ConvolutionReference.backwardWeights(input: x, outputGradient: dy, geometry: g)
        assertClose(try dw.read(), expected.weight, absolute: absolute, relative: relative, "weight gradient \(g)", file: file, line: line)
        assertClose(try db.read(), expected.bias, absolute: absolute, relative: relative, "bias gradient \(g)", file: file, line: line)

        try dx.fill(.nan)
        try dw.fill(.nan)
        try winograd.backward(input: xBuffer, outputGradient: dyBuffer, weight: wBuffer, inputGradient: dx, weightGradient: dw, biasGradient: nil, geometry: g)
        assertClose(try dx.read(), expectedDX, absolute: absolute, relative: relative, "combined input gradient \(g)", file: file, line: line)
        assertClose(try dw.read(), expected.weight, absolute: absolute, relative: relative, "combined weight gradient \(g)", file: file, line: line)
    }
}

/// Single elements of a 3x3 stride-1 convolution's forward pass, input gradient and weight
/// gradient, summed in Double: a float64 reference cheap enough for full-size layers.
private struct SampledConvolutionReference {
    let geometry: ConvGeometry
    let input: [Float], weight: [Float], outputGradient: [Float]

    /// Element `index` (flat, NCHW or [F][C][3][3]) of pass 0 (forward), 1 (input gradient) or 2 (weight gradient).
    func value(pass: Int, index: Int) -> Double {
        let g = geometry
        func x(_ n: Int, _ c: Int, _ y: Int, _ xx: Int) -> Double {
            y < 0 || y >= g.height || xx < 0 || xx >= g.width ? 0 : Double(input[((n * g.inChannels + c) * g.height + y) * g.width + xx])
        }
        func dy(_ n: Int, _ f: Int, _ y: Int, _ xx: Int) -> Double {
            y < 0 || y >= g.outHeight || xx < 0 || xx >= g.outWidth ? 0 : Double(outputGradient[((n * g.filters + f) * g.outHeight + y) * g.outWidth + xx])
        }
        func w(_ f: Int, _ c: Int, _ i: Int, _ j: Int) -> Double { Double(weight[((f * g.inChannels + c) * 3 + i) * 3 + j]) }
        var sum = 0.0
        switch pass {
        case 0:
            let ow = index % g.outWidth, oh = index / g.outWidth % g.outHeight, f = index / g.outputPixels % g.filters, n = index / (g.outputPixels * g.filters)
            for c in 0..<g.inChannels { for i in 0..<3 { for j in 0..<3 { sum += w(f, c, i, j) * x(n, c, oh + i - g.padTop, ow + j - g.padLeft) } } }
        case 1:
            let xx = index % g.width, y = index / g.width % g.height, c = index / (g.width * g.height) % g.inChannels
            let n = index / (g.width * g.height * g.inChannels)
            for f in 0..<g.filters { for i in 0..<3 { for j in 0..<3 { sum += w(f, c, i, j) * dy(n, f, y + g.padTop - i, xx + g.padLeft - j) } } }
        default:
            let j = index % 3, i = index / 3 % 3, c = index / 9 % g.inChannels, f = index / (9 * g.inChannels)
            for n in 0..<g.batch {
                for oh in 0..<g.outHeight { for ow in 0..<g.outWidth { sum += dy(n, f, oh, ow) * x(n, c, oh + i - g.padTop, ow + j - g.padLeft) } }
            }
        }
        return sum
    }
}
