import Engine
import OpenCLKit
import XCTest

final class PoolLayerTests: XCTestCase {
    /// Distinct values at least 0.05 apart, so a ±0.01 nudge never changes a window's maximum.
    private func distinctValues(_ count: Int, seed: UInt64) -> [Float] {
        var rng = SeededGenerator(seed: seed)
        var values = (0..<count).map { Float($0) * 0.05 - Float(count) * 0.025 }
        values.shuffle(using: &rng)
        return values
    }

    func testMaxPoolGradients() throws {
        let context = try TestDevice.context()
        for (size, stride, shape) in [(2, 2, [2, 3, 5, 7]), (3, 2, [1, 2, 7, 6])] {
            let layer = try MaxPool2D(context, size: size, stride: stride)
            let failures = try GradientCheck.check(
                layer, inputShape: shape, context: context, input: distinctValues(shape.reduce(1, *), seed: UInt64(size)))
            XCTAssertTrue(failures.isEmpty, "size \(size) stride \(stride): \(failures)")
        }
    }

    func testAvgPoolGradients() throws {
        let context = try TestDevice.context()
        for (size, stride, shape) in [(2, 2, [2, 3, 5, 7]), (3, 2, [1, 2, 7, 6])] {
            let failures = try GradientCheck.check(AvgPool2D(context, size: size, stride: stride), inputShape: shape, context: context)
            XCTAssertTrue(failures.isEmpty, "size \(size) stride \(stride): \(failures)")
        }
    }

    func testGlobalAvgPoolGradients() throws {
        let context = try TestDevice.context()
        let failures = try GradientCheck.check(GlobalAvgPool(context), inputShape: [2, 3, 4, 5], context: context)
        XCTAssertTrue(failures.isEmpty, "\(failures)")
    }

    func testShapes() throws {
        let context = try TestDevice.context()
        XCTAssertEqual(try MaxPool2D(context, size: 2).outputShape(for: [4, 8, 15, 10]), [4, 8, 7, 5])
        XCTAssertEqual(try MaxPool2D(context, size: 3, stride: 2).outputShape(for: [1, 2, 9, 8]), [1, 2, 4, 3])
        XCTAssertEqual(try AvgPool2D(context, size: 2, stride: 1).outputShape(for: [2, 1, 4, 6]), [2, 1, 3, 5])
        XCTAssertEqual(try GlobalAvgPool(context).outputShape(for: [3, 16, 7, 9]), [3, 16])
        XCTAssertEqual(try Flatten().outputShape(for: [5, 4, 3, 2]), [5, 24])
    }

    func testFlattenSharesTheBuffer() throws {
        let context = try TestDevice.context()
        let flatten = Flatten()
        let x = try Tensor(context, shape: [2, 3, 2, 2], values: (0..<24).map(Float.init))
        let y = try flatten.forward(x, mode: .training)
        XCTAssertEqual(y.shape, [2, 12])
        XCTAssertTrue(y.buffer === x.buffer)
        let dx = try flatten.backward(y)
        XCTAssertEqual(dx.shape, [2, 3, 2, 2])
        XCTAssertTrue(dx.buffer === x.buffer)
        XCTAssertEqual(try dx.toArray(), (0..<24).map(Float.init))
    }

    func testBadShapesThrowClearErrors() throws {
        let context = try TestDevice.context()
        XCTAssertThrowsError(try MaxPool2D(context, size: 3).outputShape(for: [1, 1, 2, 8])) { error in
            XCTAssertTrue("\(error)".contains("MaxPool2D on input [1, 1, 2, 8]"), "\(error)")
            XCTAssertTrue("\(error)".contains("window 3 does not fit"), "\(error)")
        }
        XCTAssertThrowsError(try AvgPool2D(context, size: 2).outputShape(for: [4, 8])) { error in
            XCTAssertTrue("\(error)".contains("AvgPool2D expects input [N, C, H, W], got [4, 8]"), "\(error)")
        }
        XCTAssertThrowsError(try GlobalAvgPool(context).outputShape(for: [4, 8, 3])) { error in
            XCTAssertTrue("\(error)".contains("GlobalAvgPool expects input [N, C, H, W]"), "\(error)")
        }
        XCTAssertThrowsError(try Flatten().outputShape(for: [7]))
        XCTAssertThrowsError(try MaxPool2D(context, size: 0))
        let pool = try MaxPool2D(context, size: 2)
        _ = try pool.forward(Tensor.zeros(context, shape: [1, 1, 4, 4]), mode: .inference)
        XCTAssertThrowsError(try pool.backward(Tensor.zeros(context, shape: [1, 1, 2, 2]))) { error in
            XCTAssertTrue("\(error)".contains("needs a forward pass in training mode"), "\(error)")
        }
    }

    /// ReLU + MaxPool2D fused by the graph (a ReLUMaxPool op) against the same layers one by
    /// one: equal outputs and input gradients (windows that are all negative included), in
    /// training and in inference.
    func testReLUFusedIntoMaxPoolMatchesSeparateLayers() throws {
        let context = try TestDevice.context()
        for (size, stride, shape) in [(2, 2, [2, 3, 6, 7]), (3, 2, [1, 2, 9, 8]), (2, 2, [2, 3, 6, 21])] {
            // Shifted down so that some windows hold no positive value at all.
            let xs = distinctValues(shape.reduce(1, *), seed: UInt64(size + 20)).map { $0 - 0.5 }
            var results: [[[Float]]] = []
            for fused in [false, true] {
                let relu = ReLU(context), pool = try MaxPool2D(context, size: size, stride: stride)
                let network = try Graph(inputShape: Array(shape.dropFirst()), layers: [relu, pool], fuse: fused)
                XCTAssertEqual(network.steps.map(\.op.kind), fused ? ["ReLUMaxPool"] : ["ReLU", "MaxPool2D"])
                let y = try network.forward(try Tensor(context, shape: shape, values: xs), mode: .training)
                let dy = PointwiseFixtures.normal(y.count, seed: 77)
                let dx = try network.backward(try Tensor(context, shape: y.shape, values: dy)).toArray()
                let rectified = try relu.forward(try Tensor(context, shape: shape, values: xs), mode: .inference).toArray()
                XCTAssertTrue(rectified.allSatisfy { $0 >= 0 }, "a plain ReLU always rectifies")
                let inference = try network.forward(try Tensor(context, shape: shape, values: xs), mode: .inference).toArray()
                results.append([try y.toArray(), dx, inference])
            }
            XCTAssertTrue(results[1][0].contains(0), "size \(size): the test needs a window with no positive value")
            XCTAssertEqual(results[1][0], results[0][0], "size \(size) stride \(stride): outputs")
            XCTAssertEqual(results[1][1], results[0][1], "size \(size) stride \(stride): input gradients")
            XCTAssertEqual(results[1][2], results[0][2], "size \(size) stride \(stride): inference outputs")
        }
    }
}
