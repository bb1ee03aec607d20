import Engine
import OpenCLKit
import XCTest

final class DenseLayerTests: XCTestCase {
    func testForwardMatchesReference() throws {
        let context = try TestDevice.context()
        var rng = SeededGenerator(seed: 5)
        let dense = try Dense(context, inputFeatures: 7, outputFeatures: 5, rng: &rng, initializer: .glorotUniform)
        let bias = (0..<5).map { _ in rng.nextNormal() }
        try dense.bias.value.buffer.write(bias)
        let x = (0..<3 * 7).map { _ in rng.nextNormal() }
        let y = try dense.forward(Tensor(context, shape: [3, 7], values: x), mode: .inference)
        XCTAssertEqual(y.shape, [3, 5])
        var expected = [Float](repeating: 0, count: 15)
        GEMMReference.multiply(
            m: 3, n: 5, k: 7, a: x, lda: 7, b: try dense.weight.value.toArray(), ldb: 7, transposeB: true,
            c: &expected, ldc: 5, columnBias: bias)
        assertClose(try y.toArray(), expected, absolute: 1e-5, relative: 1e-5)
    }

    func testGradientsMatchFiniteDifferences() throws {
        let context = try TestDevice.context()
        var rng = SeededGenerator(seed: 9)
        let dense = try Dense(context, inputFeatures: 6, outputFeatures: 4, rng: &rng)
        try dense.bias.value.buffer.write((0..<4).map { _ in rng.nextNormal() })
        let failures = try GradientCheck.check(dense, inputShape: [3, 6], context: context)
        XCTAssertTrue(failures.isEmpty, "\(failures)")
    }

    func testShapesAndErrors() throws {
        let context = try TestDevice.context()
        var rng = SeededGenerator(seed: 1)
        let dense = try Dense(context, inputFeatures: 8, outputFeatures: 3, rng: &rng)
        XCTAssertEqual(try dense.outputShape(for: [10, 8]), [10, 3])
        XCTAssertEqual(dense.weight.value.shape, [3, 8])
        XCTAssertEqual(dense.bias.value.shape, [3])
        XCTAssertEqual(dense.parameters.map(\.name), ["weight", "bias"])
        XCTAssertEqual(dense.parameters.map(\.decays), [true, false])
        XCTAssertEqual(dense.parameterCount, 27)
        XCTAssertEqual(try dense.bias.value.toArray(), [0, 0, 0])
        XCTAssertThrowsError(try dense.outputShape(for: [10, 2, 4])) { error in
            XCTAssertTrue("\(error)".contains("expects input [N, 8], got [10, 2, 4]; put a Flatten"), "\(error)")
        }
        XCTAssertThrowsError(try dense.backward(Tensor.zeros(context, shape: [2, 3]))) { error in
            XCTAssertTrue("\(error)".contains("needs a forward pass in training mode"), "\(error)")
        }
        XCTAssertThrowsError(try Dense(context, inputFeatures: 0, outputFeatures: 3, rng: &rng))
    }

    func testInitializersAreSeededAndScaled() throws {
        var a = SeededGenerator(seed: 42), b = SeededGenerator(seed: 42)
        let count = 20_000
        XCTAssertEqual(
            Initializer.heNormal.values(count: 100, fanIn: 50, fanOut: 10, rng: &a),
            Initializer.heNormal.values(count: 100, fanIn: 50, fanOut: 10, rng: &b))
        func deviation(_ values: [Float]) -> Float {
            let mean = values.reduce(0, +) / Float(values.count)
            return (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Float(values.count)).squareRoot()
        }
        let fanIn = 72, fanOut = 144
        XCTAssertEqual(deviation(Initializer.heNormal.values(count: count, fanIn: fanIn, fanOut: fanOut, rng: &a)), (2 / Float(fanIn)).squareRoot(), accuracy: 0.01)
        XCTAssertEqual(deviation(Initializer.glorotNormal.values(count: count, fanIn: fanIn, fanOut: fanOut, rng: &a)), (2 / Float(fanIn + fanOut)).squareRoot(), accuracy: 0.01)
        let heLimit = (6 / Float(fanIn)).squareRoot()
        let he = Initializer.heUniform.values(count: count, fanIn: fanIn, fanOut: fanOut, rng: &a)
        XCTAssertLessThanOrEqual(he.map(abs).max() ?? 0, heLimit)
        XCTAssertGreaterThan(he.map(abs).max() ?? 0, 0.95 * heLimit)
        let glorotLimit = (6 / Float(fanIn + fanOut)).squareRoot()
        let glorot = Initializer.glorotUniform.values(count: count, fanIn: fanIn, fanOut: fanOut, rng: &a)
        XCTAssertLessThanOrEqual(glorot.map(abs).max() ?? 0, glorotLimit)
        XCTAssertEqual(deviation(glorot), glorotLimit / Float(3).squareRoot(), accuracy: 0.01)
        XCTAssertEqual(Initializer.zeros.values(count: 4, fanIn: 1, fanOut: 1, rng: &a), [0, 0, 0, 0])
    }
}
