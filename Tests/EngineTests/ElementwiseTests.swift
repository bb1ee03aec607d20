import Engine
import OpenCLKit
import XCTest

/// Random inputs for the pointwise tests, reproducible from a seed.
enum PointwiseFixtures {
    static func normal(_ count: Int, seed: UInt64, scale: Float = 1, offset: Float = 0) -> [Float] {
        var rng = SeededGenerator(seed: seed)
        return (0..<count).map { _ in offset + scale * rng.nextNormal() }
    }

    static func uniform(_ count: Int, seed: UInt64, in range: ClosedRange<Float>) -> [Float] {
        var rng = SeededGenerator(seed: seed)
        return (0..<count).map { _ in range.lowerBound + (range.upperBound - range.lowerBound) * rng.nextUniform() }
    }

    static func tensor(_ context: ComputeContext, _ shape: [Int], seed: UInt64, scale: Float = 1) throws -> (Tensor, [Float]) {
        let values = normal(shape.reduce(1, *), seed: seed, scale: scale)
        return (try Tensor(context, shape: shape, values: values), values)
    }
}

/// Elementwise kernels against `ElementwiseReference`. Tolerance: 1e-6 absolute + 1e-6 relative
/// for the single-operation kernels; for sums, 1e-6 of the sum of magnitudes.
final class ElementwiseTests: XCTestCase {
    private let sizes = [1, 7, 300, 1025]

    func testFillScaleCopy() throws {
        let context = try TestDevice.context()
        for (k, n) in sizes.enumerated() {
            let (x, values) = try PointwiseFixtures.tensor(context, [n], seed: UInt64(k))
            let y = try Tensor(context, shape: [n])
            try Elementwise.fill(y, with: 2.5)
            XCTAssertEqual(try y.toArray(), [Float](repeating: 2.5, count: n))
            try Elementwise.scale(x, by: -1.75, into: y)
            assertClose(try y.toArray(), ElementwiseReference.scale(values, by: -1.75), absolute: 1e-6, relative: 1e-6)
            try Elementwise.copy(x, into: y)
            XCTAssertEqual(try y.toArray(), values)
        }
    }

    func testAxpyAddMultiply() throws {
        let context = try TestDevice.context()
        for (k, n) in sizes.enumerated() {
            let (a, aValues) = try PointwiseFixtures.tensor(context, [n], seed: UInt64(10 + k))
            let (b, bValues) = try PointwiseFixtures.tensor(context, [n], seed: UInt64(20 + k))
            let out = try Tensor(context, shape: [n])
            try Elementwise.add(a, b, into: out)
            assertClose(try out.toArray(), ElementwiseReference.add(aValues, bValues), absolute: 1e-6, relative: 1e-6)
            try Elementwise.multiply(a, b, into: out)
            assertClose(try out.toArray(), ElementwiseReference.multiply(aValues, bValues), absolute: 1e-6, relative: 1e-6)
            try Elementwise.axpy(0.3, a, b)
            assertClose(try b.toArray(), ElementwiseReference.axpy(0.3, aValues, bValues), absolute: 1e-6, relative: 1e-6)
            // In place: out aliases an input.
            try Elementwise.add(a, a, into: a)
            assertClose(try a.toArray(), ElementwiseReference.scale(aValues, by: 2), absolute: 1e-6, relative: 1e-6)
        }
    }

    func testSumMatchesReferenceOnOddSizes() throws {
        let context = try TestDevice.context()
        for n in [1, 2, 255, 257, 2049, 100_003] {
            let values = PointwiseFixtures.normal(n, seed: UInt64(n), offset: 0.5)
            let x = try Tensor(context, shape: [n], values: values)
            let magnitude = values.reduce(Float(0)) { $0 + abs($1) }
            let tolerance = 1e-6 * magnitude + 1e-6
            XCTAssertEqual(try Elementwise.sum(x).toArray()[0], ElementwiseReference.sum(values), accuracy: tolerance, "n = \(n)")
            XCTAssertEqual(
                try Elementwise.sum(x, scale: 0.25).toArray()[0], ElementwiseReference.sum(values, scale: 0.25),
                accuracy: tolerance, "n = \(n)")
            XCTAssertEqual(
                try Elementwise.mean(x).toArray()[0], ElementwiseReference.sum(values) / Float(n),
                accuracy: tolerance / Float(n), "n = \(n)")
        }
    }

    func testSumIsBitIdenticalAcrossRuns() throws {
        let context = try TestDevice.context()
        let values = PointwiseFixtures.normal(100_003, seed: 99, scale: 3)
        let first = try Elementwise.sum(try Tensor(context, shape: [values.count], values: values)).toArray()[0]
        let second = try Elementwise.sum(try Tensor(context, shape: [values.count], values: values)).toArray()[0]
        XCTAssertEqual(first.bitPattern, second.bitPattern)
    }

    func testEmptyInputs() throws {
        let context = try TestDevice.context()
        let empty = try Tensor(context, shape: [0])
        XCTAssertEqual(try Elementwise.sum(empty).toArray(), [0])
        XCTAssertThrowsError(try Elementwise.mean(empty))
        try Elementwise.fill(empty, with: 1)
    }

    func testMismatchedSizesThrow() throws {
        let context = try TestDevice.context()
        let a = try Tensor.zeros(context, shape: [3])
        let b = try Tensor.zeros(context, shape: [4])
        XCTAssertThrowsError(try Elementwise.add(a, b, into: a))
        XCTAssertThrowsError(try Elementwise.axpy(1, a, b))
        XCTAssertThrowsError(try Elementwise.scale(a, by: 2, into: b))
    }
}
