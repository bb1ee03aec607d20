import Engine
import OpenCLKit
import XCTest

/// Convolution kernels against the direct `ConvolutionReference`. Tolerance:
/// |error| <= 2e-4 + 1e-4 * |expected| for N(0, 1) data and up to 3 * 7 * 7 taps per output.
final class ConvolutionTests: XCTestCase {
    private struct Case {
        let n, c, h, w, f, k, stride: Int
        let padding: Padding
        var kw: Int? = nil  // kernel width when it differs from the height
    }

    private let cases: [Case] = [
        Case(n: 1, c: 1, h: 5, w: 5, f: 1, k: 1, stride: 1, padding: .valid),
        Case(n: 2, c: 3, h: 7, w: 9, f: 5, k: 3, stride: 1, padding: .same),
        Case(n: 1, c: 2, h: 8, w: 11, f: 13, k: 3, stride: 2, padding: .same),
        Case(n: 3, c: 4, h: 9, w: 6, f: 7, k: 3, stride: 2, padding: .valid),
        Case(n: 2, c: 3, h: 10, w: 7, f: 4, k: 5, stride: 1, padding: .valid),
        Case(n: 1, c: 2, h: 9, w: 12, f: 3, k: 5, stride: 2, padding: .same),
        Case(n: 2, c: 3, h: 11, w: 8, f: 6, k: 7, stride: 2, padding: .same),
        Case(n: 1, c: 1, h: 7, w: 10, f: 33, k: 7, stride: 1, padding: .valid),
        Case(n: 2, c: 5, h: 6, w: 5, f: 2, k: 1, stride: 2, padding: .same),
        Case(n: 1, c: 2, h: 10, w: 9, f: 3, k: 3, stride: 3, padding: .same, kw: 5),
        Case(n: 2, c: 3, h: 6, w: 9, f: 4, k: 1, stride: 1, padding: .valid, kw: 3),
    ]

    func testSamePaddingFollowsTensorFlow() throws {
        // (input, kernel, stride) -> (output, padding before)
        let expectations: [((Int, Int, Int), (Int, Int))] = [
            ((7, 3, 2), (4, 1)), ((6, 3, 2), (3, 0)), ((5, 3, 1), (5, 1)), ((8, 4, 1), (8, 1)),
            ((9, 7, 2), (5, 3)), ((4, 1, 2), (2, 0)), ((2, 5, 1), (2, 2)),
        ]
        for ((input, kernel, stride), (output, before)) in expectations {
            let result = try ConvGeometry.outputSize(input: input, kernel: kernel, stride: stride, padding: .same)
            XCTAssertEqual(result.size, output, "in \(input) k \(kernel) s \(stride)")
            XCTAssertEqual(result.padBefore, before, "in \(input) k \(kernel) s \(stride)")
        }
        XCTAssertEqual(try ConvGeometry.outputSize(input: 9, kernel: 3, stride: 2, padding: .valid).size, 4)
    }

    func testForwardAndBackwardMatchReference() throws {
        let convolution = try Convolution(TestDevice.context())
        for c in cases { try check(c, convolution) }
    }

    func testChunkedBatchMatchesReference() throws {
        let convolution = try Convolution(TestDevice.context())
        convolution.scratchLimitBytes = 1  // one image per chunk
        try check(Case(n: 3, c: 2, h: 6, w: 7, f: 4, k: 3, stride: 1, padding: .same), convolution)
    }

    func testRepeatedRunsGiveIdenticalGradients() throws {
        let context = try TestDevice.context()
        let convolution = try Convolution(context)
        let g = try ConvGeometry(batch: 2, inChannels: 3, height: 9, width: 8, filters: 4, kernelHeight: 3, kernelWidth: 3, stride: 2, padding: .same)
        var rng = SeededGenerator(seed: 99)
        let x = try DeviceBuffer(context, (0..<g.inputShape.reduce(1, *)).map { _ in rng.nextNormal() })
        let w = try DeviceBuffer(context, (0..<g.weightShape.reduce(1, *)).map { _ in rng.nextNormal() })
        let dy = try DeviceBuffer(context, (0..<g.outputShape.reduce(1, *)).map { _ in rng.nextNormal() })
        var runs: [[Float]] = []
        for _ in 0..<2 {
            let dx = try DeviceBuffer<Float>(context, count: x.count)
            let dw = try DeviceBuffer<Float>(context, count: w.count)
            let db = try DeviceBuffer<Float>(context, count: g.filters)
            try convolution.backwardInput(outputGradient: dy, weight: w, inputGradient: dx, geometry: g)
            try convolution.backwardWeights(input: x, outputGradient: dy, weightGradient: dw, biasGradient: db, geometry: g)
            runs.append(try dx.read() + dw.read() + db.read())
        }
        XCTAssertEqual(runs[0], runs[1])
    }

    func testBadShapesThrowClearErrors() throws {
        let context = try TestDevice.context()
        let convolution = try Convolution(context)
        XCTAssertThrowsError(
            try ConvGeometry(batch: 1, inChannels: 1, height: 2, width: 8, filters: 1, kernelHeight: 3, kernelWidth: 3, stride: 1, padding: .valid)
        ) { error in XCTAssertTrue("\(error)".contains("input height 2 is smaller than the kernel"), "\(error)") }
        let g = try ConvGeometry(batch: 2, inChannels: 3, height: 5, width: 5, filters: 4, kernelHeight: 3, kernelWidth: 3, stride: 1, padding: .same)
        let small = try DeviceBuffer<Float>(context, count: 10)
        let weight = try DeviceBuffer<Float>(context, count: 4 * 3 * 9)
        let output = try DeviceBuffer<Float>(context, count: 2 * 4 * 25)
        XCTAssertThrowsError(try convolution.forward(input: small, weight: weight, bias: nil, output: output, geometry: g)) { error in
            XCTAssertTrue("\(error)".contains("convolution input needs 150 floats for shape [2, 3, 5, 5]"), "\(error)")
        }
    }

    private func check(_ c: Case, _ convolution: Convolution, file: StaticString = #filePath, line: UInt = #line) throws {
        let context = convolution.context
        let g = try ConvGeometry(
            batch: c.n, inChannels: c.c, height: c.h, width: c.w, filters: c.f,
            kernelHeight: c.k, kernelWidth: c.kw ?? c.k, stride: c.stride, padding: c.padding)
        var rng = SeededGenerator(seed: UInt64(c.n * 7919 + c.c * 131 + c.h * 17 + c.w + c.k * 3 + c.stride))
        func random(_ shape: [Int]) -> [Float] { (0..<shape.reduce(1, *)).map { _ in rng.nextNormal() } }
        let x = random(g.inputShape), w = random(g.weightShape), b = random([g.filters]), dy = random(g.outputShape)
        let xBuffer = try DeviceBuffer(context, x), wBuffer = try DeviceBuffer(context, w)
        let dyBuffer = try DeviceBuffer(context, dy)

        let y = try DeviceBuffer<Float>(context, count: g.outputShape.reduce(1, *))
        try convolution.forward(input: xBuffer, weight: wBuffer, bias: try DeviceBuffer(context, b), output: y, geometry: g)
        assertClose(try y.read(), ConvolutionReference.forward(input: x, weight: w, bias: b, geometry: g),
                    absolute: 2e-4, relative: 1e-4, "forward \(g)", file: file, line: line)

        let dx = try DeviceBuffer<Float>(context, count: g.inputShape.reduce(1, *))
        try convolution.backwardInput(outputGradient: dyBuffer, weight: wBuffer, inputGradient: dx, geometry: g)
        assertClose(try dx.read(), ConvolutionReference.backwardInput(outputGradient: dy, weight: w, geometry: g),
                    absolute: 2e-4, relative: 1e-4, "backward input \(g)", file: file, line: line)

        let dw = try DeviceBuffer<Float>(context, count: g.weightShape.reduce(1, *))
        let db = try DeviceBuffer<Float>(context, count: g.filters)
        try convolution.backwardWeights(input: xBuffer, outputGradient: dyBuffer, weightGradient: dw, biasGradient: db, geometry: g)
        let expected = ConvolutionReference.backwardWeights(input: x, outputGradient: dy, geometry: g)
        assertClose(try dw.read(), expected.weight, absolute: 2e-4, relative: 1e-4, "backward weights \(g)", file: file, line: line)
        assertClose(try db.read(), expected.bias, absolute: 2e-4, relative: 1e-4, "backward bias \(g)", file: file, line: line)
    }
}
