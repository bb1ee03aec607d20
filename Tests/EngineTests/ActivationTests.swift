import Engine
import OpenCLKit
import XCTest

/// Activation kernels against `ActivationReference` on odd shapes and batch 1, and every
/// activation layer through finite differences. Tolerance: 1e-6 absolute + 1e-5 relative
/// (the device's exp and tanh are within a few ulp).
final class ActivationTests: XCTestCase {
    private let shapes = [[1, 5], [3, 7, 5], [2, 3, 5, 7]]

    func testPiecewiseLinearMatchReference() throws {
        let context = try TestDevice.context()
        for (k, shape) in shapes.enumerated() {
            let (x, xs) = try PointwiseFixtures.tensor(context, shape, seed: UInt64(k))
            let (dy, dys) = try PointwiseFixtures.tensor(context, shape, seed: UInt64(100 + k))
            XCTAssertEqual(try Activation.reluForward(x).toArray(), ActivationReference.relu(xs))
            XCTAssertEqual(
                try Activation.reluBackward(input: x, outputGradient: dy).toArray(),
                ActivationReference.reluBackward(input: xs, outputGradient: dys))
            assertClose(try Activation.leakyReLUForward(x, slope: 0.1).toArray(), ActivationReference.leakyReLU(xs, slope: 0.1))
            assertClose(
                try Activation.leakyReLUBackward(input: x, outputGradient: dy, slope: 0.1).toArray(),
                ActivationReference.leakyReLUBackward(input: xs, outputGradient: dys, slope: 0.1))
        }
    }

    func testSmoothActivationsMatchReference() throws {
        let context = try TestDevice.context()
        for (k, shape) in shapes.enumerated() {
            let (x, xs) = try PointwiseFixtures.tensor(context, shape, seed: UInt64(k), scale: 4)
            let (dy, dys) = try PointwiseFixtures.tensor(context, shape, seed: UInt64(200 + k))
            let sigmoid = try Activation.sigmoidForward(x)
            let sigmoidValues = try sigmoid.toArray()
            assertClose(sigmoidValues, ActivationReference.sigmoid(xs), absolute: 1e-6, relative: 1e-5)
            assertClose(
                try Activation.sigmoidBackward(output: sigmoid, outputGradient: dy).toArray(),
                ActivationReference.sigmoidBackward(output: sigmoidValues, outputGradient: dys), absolute: 1e-6, relative: 1e-5)
            let tanh = try Activation.tanhForward(x)
            let tanhValues = try tanh.toArray()
            assertClose(tanhValues, ActivationReference.tanh(xs), absolute: 1e-6, relative: 1e-5)
            assertClose(
                try Activation.tanhBackward(output: tanh, outputGradient: dy).toArray(),
                ActivationReference.tanhBackward(output: tanhValues, outputGradient: dys), absolute: 1e-6, relative: 1e-5)
        }
    }

    func testSigmoidSaturatesWithoutOverflow() throws {
        let context = try TestDevice.context()
        let x = try Tensor(context, shape: [4], values: [-200, -90, 90, 200])
        let y = try Activation.sigmoidForward(x).toArray()
        XCTAssertEqual(y[0], 0)
        XCTAssertEqual(y[3], 1)
        XCTAssertTrue(y.allSatisfy { $0.isFinite && $0 >= 0 && $0 <= 1 })
    }

    func testSoftmaxMatchesReference() throws {
        let context = try TestDevice.context()
        for (k, shape) in [[1, 3], [5, 2], [4, 7], [2, 3, 5]].enumerated() {
            // Large logits check that the row maximum is subtracted.
            let (x, xs) = try PointwiseFixtures.tensor(context, shape, seed: UInt64(300 + k), scale: 30)
            let (dy, dys) = try PointwiseFixtures.tensor(context, shape, seed: UInt64(400 + k))
            let columns = shape.last ?? 1
            let y = try Activation.softmaxForward(x)
            let yValues = try y.toArray()
            assertClose(yValues, ActivationReference.softmax(xs, columns: columns), absolute: 1e-6, relative: 1e-5)
            for row in stride(from: 0, to: yValues.count, by: columns) {
                XCTAssertEqual(yValues[row..<row + columns].reduce(0, +), 1, accuracy: 1e-5)
            }
            assertClose(
                try Activation.softmaxBackward(output: y, outputGradient: dy).toArray(),
                ActivationReference.softmaxBackward(output: yValues, outputGradient: dys, columns: columns),
                absolute: 1e-6, relative: 1e-5)
        }
    }

    func testLayersPassGradientCheck() throws {
        let context = try TestDevice.context()
        let shape = [2, 3, 5]
        // Inputs at least 0.1 away from the kink at 0, so ±epsilon never crosses it.
        let awayFromZero = PointwiseFixtures.normal(30, seed: 5).map { $0 >= 0 ? $0 + 0.1 : $0 - 0.1 }
        let layers: [(Layer, [Float]?)] = [
            (ReLU(context), awayFromZero), (try LeakyReLU(context, slope: 0.1), awayFromZero),
            (Sigmoid(context), nil), (Tanh(context), nil), (Softmax(context), nil),
        ]
        for (layer, input) in layers {
            let failures = try GradientCheck.check(layer, inputShape: shape, context: context, input: input)
            XCTAssertTrue(failures.isEmpty, "\(layer.kind): \(failures.prefix(3))")
        }
    }

    func testLayersKeepShapeAndNeedTrainingForward() throws {
        let context = try TestDevice.context()
        let x = try Tensor(context, shape: [2, 3, 4, 5], values: PointwiseFixtures.normal(120, seed: 1))
        for layer: Layer in [ReLU(context), try LeakyReLU(context, slope: 0.2), Sigmoid(context), Tanh(context), Softmax(context)] {
            XCTAssertEqual(try layer.outputShape(for: [2, 3, 4, 5]), [2, 3, 4, 5])
            XCTAssertEqual(try layer.forward(x, mode: .inference).shape, [2, 3, 4, 5])
            XCTAssertThrowsError(try layer.backward(x), layer.kind)
            XCTAssertTrue(layer.parameters.isEmpty)
        }
        XCTAssertThrowsError(try LeakyReLU(context, slope: .nan))
        XCTAssertThrowsError(try Softmax(context).outputShape(for: [3, 0]))
    }

    func testMismatchedGradientShapeThrows() throws {
        let context = try TestDevice.context()
        let x = try Tensor.zeros(context, shape: [2, 3])
        let dy = try Tensor.zeros(context, shape: [3, 2])
        XCTAssertThrowsError(try Activation.reluBackward(input: x, outputGradient: dy))
        XCTAssertThrowsError(try Activation.softmaxBackward(output: x, outputGradient: dy))
    }
}
