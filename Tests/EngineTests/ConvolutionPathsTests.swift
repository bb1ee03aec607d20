import Engine
import OpenCLKit
import XCTest

/// Both stride-1 paths (direct kernels on padded planes, and im2col + GEMM) against
/// `ConvolutionReference`, through the separate and the combined backward calls, with images
/// large enough that the automatic choice takes the direct kernels. Tolerance as in
/// `ConvolutionTests`: |error| <= 2e-4 + 1e-4 * |expected|.
final class ConvolutionPathsTests: XCTestCase {
    private struct Case {
        let n, c, h, w, f, k: Int
        var kw: Int? = nil
        let padding: Padding
    }

    private let cases: [Case] = [
        Case(n: 2, c: 3, h: 17, w: 23, f: 7, k: 3, padding: .same),
        Case(n: 1, c: 2, h: 12, w: 30, f: 13, k: 3, padding: .valid),
        Case(n: 3, c: 4, h: 9, w: 16, f: 5, k: 5, padding: .same),
        Case(n: 1, c: 5, h: 11, w: 19, f: 3, k: 1, padding: .valid),
        Case(n: 2, c: 2, h: 8, w: 21, f: 6, k: 3, kw: 5, padding: .same),
        Case(n: 1, c: 1, h: 4, w: 5, f: 2, k: 3, padding: .same),  // tiny: most of a tile unused
        // 1 x 1 with rows a whole number of vectors wide: a tile's vector stores end exactly at a row end.
        Case(n: 1, c: 3, h: 5, w: 16, f: 4, k: 1, padding: .valid),
    ]

    func testDirectPathMatchesReference() throws {
        let convolution = try Convolution(TestDevice.context())
        convolution.pinnedAlgorithm = "direct"
        for c in cases { try check(c, convolution) }
    }

    func testIm2colPathMatchesReference() throws {
        let convolution = try Convolution(TestDevice.context())
        convolution.pinnedAlgorithm = "im2col"
        for c in cases.prefix(3) { try check(c, convolution) }
    }

    func testDirectPathWithOtherTilesAndOneImagePerChunk() throws {
        let context = try TestDevice.context()
        let gemm = try GEMM(context, tuning: GEMMTuning(tileRows: 3, tileColumns: 8, vectorWidth: 4, localSize: 2))
        let convolution = try Convolution(context, gemm: gemm)
        convolution.pinnedAlgorithm = "direct"
        convolution.scratchLimitBytes = 1
        for c in cases.prefix(2) { try check(c, convolution) }
    }

    func testAutomaticPathTakesDirectKernelsOnlyWhereTilesAreFull() throws {
        let context = try TestDevice.context()
        let convolution = try Convolution(context)
        let ledger = WorkLedger.start(for: context)
        defer { WorkLedger.stop(for: context) }
        for (size, direct) in [(40, true), (4, false)] {
            ledger.reset()
            let g = try ConvGeometry(batch: 1, inChannels: 2, height: size, width: size, filters: 4, kernelHeight: 3, kernelWidth: 3, stride: 1, padding: .same)
            let x = try DeviceBuffer<Float>(context, count: g.inputShape.reduce(1, *))
            try x.fill(1)
            let w = try DeviceBuffer<Float>(context, count: g.weightShape.reduce(1, *))
            try w.fill(1)
            let y = try DeviceBuffer<Float>(context, count: g.outputShape.reduce(1, *))
            try convolution.forward(input: x, weight: w, bias: nil, output: y, geometry: g)
            try context.finish()
            XCTAssertEqual(ledger.entries["conv_direct"] != nil, direct, "\(size) x \(size): \(ledger.entries.keys.sorted())")
            XCTAssertEqual(ledger.entries["im2col_pack"] != nil, !direct, "\(size) x \(size): \(ledger.entries.keys.sorted())")
            // An interior pixel sees 3 x 3 taps of 2 channels of ones.
            XCTAssertEqual(try y.read(offset: size + 1, count: 1), [18])
        }
    }

    /// The chooser splits a backward pass when the input and the weight gradients take
    /// different algorithms (each writes its own part, the bias going with the weights): both
    /// splits against the reference, on a context whose profile forces them.
    func testBackwardSplitBetweenAlgorithmsMatchesReference() throws {
        let device = try TestDevice.context().device
        var inputDirect = try TestDevice.context().profile
        inputDirect.directUtilizationLimit = 0
        inputDirect.directWeightGradientPixels = Int.max
        var weightsDirect = inputDirect
        weightsDirect.directUtilizationLimit = 1
        weightsDirect.directWeightGradientPixels = 0
        for (profile, names) in [(inputDirect, ["direct", "im2col"]), (weightsDirect, ["im2col", "direct"])] {
            let context = try ComputeContext(device: device)
            context.setDeviceTuning(DeviceTuning(profile: profile))
            let convolution = try Convolution(context, environment: [:])
            let c = cases[1]
            let g = try ConvGeometry(batch: c.n, inChannels: c.c, height: c.h, width: c.w, filters: c.f,
                                     kernelHeight: c.k, kernelWidth: c.k, stride: 1, padding: c.padding)
            XCTAssertEqual(try [ConvolutionPass.backwardInput, .backwardWeights].map { try convolution.algorithm(for: g, $0).name }, names)
            try check(c, convolution)
        }
    }

    private func check(_ c: Case, _ convolution: Convolution, file: StaticString = #filePath, line: UInt = #line) throws {
        let context = convolution.context
        let g = try ConvGeometry(
            batch: c.n, inChannels: c.c, height: c.h, width: c.w, filters: c.f,
            kernelHeight: c.k, kernelWidth: c.kw ?? c.k, stride: 1, padding: c.padding)
        var rng = SeededGenerator(seed: UInt64(c.n * 7919 + c.c * 131 + c.h * 17 + c.w + c.k * 3))
        func random(_ shape: [Int]) -> [Float] { (0..<shape.reduce(1, *)).map { _ in rng.nextNormal() } }
        let x = random(g.inputShape), w = random(g.weightShape), b = random([g.filters]), dy = random(g.outputShape)
        let xBuffer = try DeviceBuffer(context, x), wBuffer = try DeviceBuffer(context, w), dyBuffer = try DeviceBuffer(context, dy)
        let expectedInput = ConvolutionReference.backwardInput(outputGradient: dy, weight: w, geometry: g)
        let expectedWeights = ConvolutionReference.backwardWeights(input: x, outputGradient: dy, geometry: g)
        func close(_ actual: DeviceBuffer<Float>, _ expected: [Float], _ what: String) throws {
            assertClose(try actual.read(), expected, absolute: 2e-4, relative: 1e-4, "\(what) \(g)", file: file, line: line)
        }

        let y = try DeviceBuffer<Float>(context, count: g.outputShape.reduce(1, *))
        try convolution.forward(input: xBuffer, weight: wBuffer, bias: try DeviceBuffer(context, b), output: y, geometry: g)
        try close(y, ConvolutionReference.forward(input: x, weight: w, bias: b, geometry: g), "forward")

        let dx = try DeviceBuffer<Float>(context, count: x.count)
        try convolution.backwardInput(outputGradient: dyBuffer, weight: wBuffer, inputGradient: dx, geometry: g)
        try close(dx, expectedInput, "backward input")
        let dw = try DeviceBuffer<Float>(context, count: w.count)
        let db = try DeviceBuffer<Float>(context, count: g.filters)
        try convolution.backwardWeights(input: xBuffer, outputGradient: dyBuffer, weightGradient: dw, biasGradient: db, geometry: g)
        try close(dw, expectedWeights.weight, "backward weights")
        try close(db, expectedWeights.bias, "backward bias")

        let dx2 = try DeviceBuffer<Float>(context, count: x.count)
        let dw2 = try DeviceBuffer<Float>(context, count: w.count)
        let db2 = try DeviceBuffer<Float>(context, count: g.filters)
        try dw2.fill(.nan)  // overwritten, not accumulated
        try db2.fill(.nan)
        try convolution.backward(
            input: xBuffer, outputGradient: dyBuffer, weight: wBuffer, inputGradient: dx2, weightGradient: dw2, biasGradient: db2, geometry: g)
        try close(dx2, expectedInput, "combined backward input")
        try close(dw2, expectedWeights.weight, "combined backward weights")
        try close(db2, expectedWeights.bias, "combined backward bias")
        let dw3 = try DeviceBuffer<Float>(context, count: w.count)
        try convolution.backward(
            input: xBuffer, outputGradient: dyBuffer, weight: wBuffer, inputGradient: nil, weightGradient: dw3, biasGradient: nil, geometry: g)
        try close(dw3, expectedWeights.weight, "weights only")
    }
}
