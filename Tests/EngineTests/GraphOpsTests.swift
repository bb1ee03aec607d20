import Engine
import OpenCLKit
import XCTest

/// Add, Concat and AddReLU against `GraphOpsReference` and by finite differences.
/// Tolerances: forward and backward exactly equal to the reference where the device adds in
/// the same order (Add, Concat are copies and float sums); finite differences as GradientCheck.
final class GraphOpsTests: XCTestCase {
    /// Finite differences of L = sum(op(inputs) * r) with respect to every input of a multi-input op.
    static func finiteDifferenceFailures(
        _ op: any Op, shapes: [[Int]], context: ComputeContext, seed: UInt64, epsilon: Float = 1e-2, tolerance: Float = 2e-2
    ) throws -> [String] {
        var rng = SeededGenerator(seed: seed)
        // Away from 0 so that a ReLU's kink is not crossed by a step of epsilon.
        let values = shapes.map { shape in (0..<shape.reduce(1, *)).map { _ -> Float in
            let v = rng.nextNormal()
            return v + (v >= 0 ? 0.1 : -0.1)
        } }
        let inputs = try zip(shapes, values).map { try Tensor(context, shape: $0, values: $1) }
        let y = try op.forward(inputs: inputs, mode: .training)
        let r = (0..<y.count).map { _ in rng.nextNormal() }
        let gradients = try op.backward(inputGradientsFrom: try Tensor(context, shape: y.shape, values: r)).map { try $0.toArray() }
        func loss() throws -> Double {
            zip(try op.forward(inputs: inputs, mode: .training).toArray(), r).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        }
        var failures: [String] = []
        for (which, input) in inputs.enumerated() {
            for index in GradientCheck.sampleIndices(count: input.count, samples: 12, rng: &rng) {
                // A ReLU after the sum has a kink at 0 that a central difference must not straddle.
                if op is AddReLU, abs(values.reduce(0) { $0 + $1[index] }) < 2 * epsilon { continue }
                let original = values[which][index]
                try input.buffer.write([original + epsilon], offset: index)
                let plus = try loss()
                try input.buffer.write([original - epsilon], offset: index)
                let minus = try loss()
                try input.buffer.write([original], offset: index)
                let numeric = Float((plus - minus) / Double(2 * epsilon))
                let analytic = gradients[which][index]
                if abs(analytic - numeric) > tolerance * max(1, abs(analytic), abs(numeric)) {
                    failures.append("input \(which)[\(index)]: analytic \(analytic) vs numeric \(numeric)")
                }
            }
        }
        return failures
    }

    func testAddMatchesTheReferenceAndFiniteDifferences() throws {
        let context = try TestDevice.context()
        for (k, (count, shape)) in [(2, [2, 3, 4, 5]), (3, [3, 7]), (4, [1, 2, 3, 3])].enumerated() {
            let inputs = (0..<count).map { PointwiseFixtures.normal(shape.reduce(1, *), seed: UInt64(10 * k + $0)) }
            let op = Add()
            let y = try op.forward(inputs: try inputs.map { try Tensor(context, shape: shape, values: $0) }, mode: .training)
            XCTAssertEqual(y.shape, shape)
            XCTAssertEqual(try y.toArray(), GraphOpsReference.add(inputs), "\(count) inputs \(shape)")
            let dy = PointwiseFixtures.normal(y.count, seed: UInt64(k + 90))
            let gradients = try op.backward(inputGradientsFrom: try Tensor(context, shape: shape, values: dy))
            XCTAssertEqual(gradients.count, count)
            for gradient in gradients { XCTAssertEqual(try gradient.toArray(), dy) }
            XCTAssertEqual(try Self.finiteDifferenceFailures(op, shapes: Array(repeating: shape, count: count), context: context, seed: UInt64(k)), [])
        }
    }

    func testAddReLUMatchesTheReferenceAndFiniteDifferences() throws {
        let context = try TestDevice.context()
        for (k, count) in [2, 3].enumerated() {
            let shape = [2, 3, 5, 4]
            let inputs = (0..<count).map { PointwiseFixtures.normal(shape.reduce(1, *), seed: UInt64(30 + 10 * k + $0)) }
            let op = AddReLU()
            let y = try op.forward(inputs: try inputs.map { try Tensor(context, shape: shape, values: $0) }, mode: .training)
            XCTAssertEqual(try y.toArray(), GraphOpsReference.addReLU(inputs))
            XCTAssertTrue(try y.toArray().contains(0), "the test needs negative sums")
            let dy = PointwiseFixtures.normal(y.count, seed: UInt64(k + 95))
            let expected = GraphOpsReference.addReLUBackward(inputs, outputGradient: dy)
            for gradient in try op.backward(inputGradientsFrom: try Tensor(context, shape: shape, values: dy)) {
                XCTAssertEqual(try gradient.toArray(), expected)
            }
            XCTAssertEqual(try Self.finiteDifferenceFailures(op, shapes: Array(repeating: shape, count: count), context: context, seed: UInt64(k + 5)), [])
        }
    }

    func testConcatMatchesTheReferenceAndFiniteDifferences() throws {
        let context = try TestDevice.context()
        for (k, shapes) in [[[2, 3, 4, 5], [2, 1, 4, 5]], [[3, 2], [3, 5], [3, 1]], [[1, 2, 3, 3], [1, 4, 3, 3]]].enumerated() {
            let inputs = shapes.enumerated().map { PointwiseFixtures.normal($1.reduce(1, *), seed: UInt64(50 + 10 * k + $0)) }
            let op = Concat()
            let y = try op.forward(inputs: try zip(shapes, inputs).map { try Tensor(context, shape: $0, values: $1) }, mode: .training)
            var expectedShape = shapes[0]
            expectedShape[1] = shapes.reduce(0) { $0 + $1[1] }
            XCTAssertEqual(y.shape, expectedShape)
            XCTAssertEqual(try y.toArray(), GraphOpsReference.concat(inputs, shapes: shapes))
            let dy = PointwiseFixtures.normal(y.count, seed: UInt64(k + 99))
            let gradients = try op.backward(inputGradientsFrom: try Tensor(context, shape: y.shape, values: dy)).map { try $0.toArray() }
            XCTAssertEqual(gradients, GraphOpsReference.concatBackward(dy, shapes: shapes))
            XCTAssertEqual(try Self.finiteDifferenceFailures(op, shapes: shapes, context: context, seed: UInt64(k + 9)), [])
        }
    }

    func testShapeErrorsSayWhatDoesNotFit() throws {
        XCTAssertThrowsError(try Add().outputShape(forInputs: [[1, 2, 3, 3], [1, 3, 3, 3]])) { error in
            XCTAssertTrue("\(error)".contains("one shape"), "\(error)")
        }
        XCTAssertThrowsError(try Concat().outputShape(forInputs: [[1, 2, 3, 3], [1, 3, 4, 3]])) { error in
            XCTAssertTrue("\(error)".contains("every other dimension"), "\(error)")
        }
        XCTAssertThrowsError(try Add().outputShape(forInputs: [[1, 2]]))
    }

    /// Strided and 1x1 convolutions, as residual projections use them, by finite differences.
    func testStridedAndPointwiseConvolutionsPassFiniteDifferences() throws {
        let context = try TestDevice.context()
        for (k, (kernel, stride, shape)) in [(1, 2, [2, 3, 8, 8]), (1, 1, [2, 4, 5, 5]), (3, 2, [2, 2, 9, 8])].enumerated() {
            var rng = SeededGenerator(seed: UInt64(70 + k))
            let conv = try Conv2D(context, inputChannels: shape[1], filters: 3, kernelSize: kernel, stride: stride, padding: .same, rng: &rng)
            let failures = try GradientCheck.check(conv, inputShape: shape, context: context, seed: UInt64(k))
            XCTAssertEqual(failures.map(\.description), [], "kernel \(kernel) stride \(stride)")
            XCTAssertEqual(try conv.outputShape(for: shape), [shape[0], 3, (shape[2] + stride - 1) / stride, (shape[3] + stride - 1) / stride])
        }
    }
}
