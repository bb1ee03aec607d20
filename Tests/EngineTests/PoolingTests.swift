import Engine
import OpenCLKit
import XCTest

/// Pooling kernels against `PoolingReference`. Max pooling and its routing must match
/// exactly (argmax indices equal, ties to the first); averages within 1e-5 + 1e-5 * |expected|.
final class PoolingTests: XCTestCase {
    private let shapes: [(n: Int, c: Int, h: Int, w: Int, size: Int, stride: Int)] = [
        (1, 1, 4, 4, 2, 2),
        (2, 3, 7, 9, 2, 2),   // odd sizes: floor drops the last row and column
        (1, 2, 9, 6, 3, 2),   // overlapping windows
        (2, 1, 5, 8, 3, 1),
        (1, 3, 5, 7, 1, 1),
        (3, 2, 6, 11, 3, 3),
        (2, 2, 9, 10, 2, 3),  // gaps between windows: uncovered pixels get no gradient
        // Longer rows, odd and even.
        (2, 3, 7, 37, 2, 2),
        (1, 2, 16, 32, 2, 2),
        (1, 1, 8, 34, 1, 2),  // stride 2 with 1 x 1 windows: the odd pixel of each pair gets nothing
        (1, 1, 7, 35, 1, 2),  // ... and windows reaching the last row and column
    ]

    func testMaxPoolMatchesReferenceWithTiesToFirst() throws {
        let context = try TestDevice.context()
        let pooling = try Pooling(context)
        for s in shapes {
            let g = try PoolGeometry(batch: s.n, channels: s.c, height: s.h, width: s.w, size: s.size, stride: s.stride)
            var rng = SeededGenerator(seed: UInt64(s.h * 31 + s.w + s.size))
            // Few distinct values, so windows often hold ties.
            let x = (0..<g.inputShape.reduce(1, *)).map { _ in Float(rng.next() % 4) }
            let dy = (0..<g.outputShape.reduce(1, *)).map { _ in rng.nextNormal() }
            let expected = PoolingReference.maxForward(x, geometry: g)
            let y = try DeviceBuffer<Float>(context, count: g.outputShape.reduce(1, *))
            let argmax = try DeviceBuffer<Int32>(context, count: y.count)
            try pooling.maxForward(input: try DeviceBuffer(context, x), output: y, argmax: argmax, geometry: g)
            XCTAssertEqual(try y.read(), expected.output, "\(g)")
            XCTAssertEqual(try argmax.read(), expected.argmax, "\(g)")
            let dx = try DeviceBuffer<Float>(context, count: x.count)
            try pooling.maxBackward(outputGradient: try DeviceBuffer(context, dy), argmax: argmax, inputGradient: dx, geometry: g)
            assertClose(try dx.read(), PoolingReference.maxBackward(dy, input: x, geometry: g), absolute: 1e-6, relative: 1e-6, "\(g)")
        }
    }

    func testAveragePoolMatchesReference() throws {
        let context = try TestDevice.context()
        let pooling = try Pooling(context)
        for s in shapes {
            let g = try PoolGeometry(batch: s.n, channels: s.c, height: s.h, width: s.w, size: s.size, stride: s.stride)
            var rng = SeededGenerator(seed: UInt64(s.h * 37 + s.w + s.stride))
            let x = (0..<g.inputShape.reduce(1, *)).map { _ in rng.nextNormal() }
            let dy = (0..<g.outputShape.reduce(1, *)).map { _ in rng.nextNormal() }
            let y = try DeviceBuffer<Float>(context, count: g.outputShape.reduce(1, *))
            try pooling.averageForward(input: try DeviceBuffer(context, x), output: y, geometry: g)
            assertClose(try y.read(), PoolingReference.averageForward(x, geometry: g), absolute: 1e-5, relative: 1e-5, "\(g)")
            let dx = try DeviceBuffer<Float>(context, count: x.count)
            try pooling.averageBackward(outputGradient: try DeviceBuffer(context, dy), inputGradient: dx, geometry: g)
            assertClose(try dx.read(), PoolingReference.averageBackward(dy, geometry: g), absolute: 1e-5, relative: 1e-5, "\(g)")
        }
    }

    func testGlobalAveragePoolMatchesReference() throws {
        let context = try TestDevice.context()
        let pooling = try Pooling(context)
        for (planes, pixels) in [(1, 1), (6, 35), (10, 64)] {
            var rng = SeededGenerator(seed: UInt64(planes * 100 + pixels))
            let x = (0..<planes * pixels).map { _ in rng.nextNormal() }
            let dy = (0..<planes).map { _ in rng.nextNormal() }
            let y = try DeviceBuffer<Float>(context, count: planes)
            try pooling.globalAverageForward(input: try DeviceBuffer(context, x), output: y, planes: planes, pixels: pixels)
            assertClose(try y.read(), PoolingReference.globalAverageForward(x, planes: planes, pixels: pixels), absolute: 1e-5, relative: 1e-5)
            let dx = try DeviceBuffer<Float>(context, count: x.count)
            try pooling.globalAverageBackward(outputGradient: try DeviceBuffer(context, dy), inputGradient: dx, planes: planes, pixels: pixels)
            assertClose(try dx.read(), PoolingReference.globalAverageBackward(dy, planes: planes, pixels: pixels), absolute: 1e-6, relative: 1e-6)
        }
    }

    func testBadShapesThrowClearErrors() throws {
        XCTAssertThrowsError(try PoolGeometry(batch: 1, channels: 1, height: 2, width: 5, size: 3, stride: 1)) { error in
            XCTAssertTrue("\(error)".contains("window 3 does not fit the 2 x 5 input"), "\(error)")
        }
        XCTAssertThrowsError(try PoolGeometry(batch: 1, channels: 1, height: 4, width: 4, size: 2, stride: 0)) { error in
            XCTAssertTrue("\(error)".contains("stride 0 must be positive"), "\(error)")
        }
        let context = try TestDevice.context()
        let g = try PoolGeometry(batch: 2, channels: 2, height: 4, width: 4, size: 2, stride: 2)
        XCTAssertThrowsError(
            try Pooling(context).averageForward(input: try DeviceBuffer<Float>(context, count: 16), output: try DeviceBuffer<Float>(context, count: 16), geometry: g)
        ) { error in XCTAssertTrue("\(error)".contains("pooling input needs 64 elements"), "\(error)") }
    }
}
