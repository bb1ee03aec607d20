import Engine
import OpenCLKit
import XCTest

final class ConvLayerTests: XCTestCase {
    func testGradientsMatchFiniteDifferences() throws {
        let context = try TestDevice.context()
        let configurations: [(c: Int, f: Int, k: Int, stride: Int, padding: Padding, input: [Int])] = [
            (2, 3, 3, 1, .same, [2, 2, 5, 6]),
            (3, 2, 5, 2, .valid, [1, 3, 9, 8]),
            (1, 4, 3, 2, .same, [2, 1, 7, 5]),
        ]
        for config in configurations {
            var rng = SeededGenerator(seed: UInt64(config.k * 10 + config.stride))
            let conv = try Conv2D(
                context, inputChannels: config.c, filters: config.f, kernelSize: config.k, stride: config.stride,
                padding: config.padding, rng: &rng)
            try conv.bias.value.buffer.write((0..<config.f).map { _ in rng.nextNormal() })
            let failures = try GradientCheck.check(conv, inputShape: config.input, context: context)
            XCTAssertTrue(failures.isEmpty, "\(config): \(failures)")
        }
    }

    func testForwardMatchesReference() throws {
        let context = try TestDevice.context()
        var rng = SeededGenerator(seed: 17)
        let conv = try Conv2D(context, inputChannels: 2, filters: 3, kernelSize: 3, stride: 2, padding: .same, rng: &rng)
        let bias = (0..<3).map { _ in rng.nextNormal() }
        try conv.bias.value.buffer.write(bias)
        let x = (0..<2 * 2 * 7 * 6).map { _ in rng.nextNormal() }
        let y = try conv.forward(Tensor(context, shape: [2, 2, 7, 6], values: x), mode: .inference)
        XCTAssertEqual(y.shape, [2, 3, 4, 3])
        let expected = ConvolutionReference.forward(
            input: x, weight: try conv.weight.value.toArray(), bias: bias, geometry: try conv.geometry(for: [2, 2, 7, 6]))
        assertClose(try y.toArray(), expected, absolute: 1e-5, relative: 1e-5)
    }

    func testShapesAndErrors() throws {
        let context = try TestDevice.context()
        var rng = SeededGenerator(seed: 1)
        let conv = try Conv2D(context, inputChannels: 3, filters: 8, kernelSize: 5, stride: 2, padding: .valid, rng: &rng)
        XCTAssertEqual(try conv.outputShape(for: [4, 3, 32, 29]), [4, 8, 14, 13])
        XCTAssertEqual(conv.weight.value.shape, [8, 3, 5, 5])
        XCTAssertEqual(conv.bias.value.shape, [8])
        XCTAssertEqual(conv.parameters.map(\.name), ["weight", "bias"])
        XCTAssertEqual(conv.parameters.map(\.decays), [true, false])
        let same = try Conv2D(context, inputChannels: 1, filters: 2, kernelSize: 3, stride: 2, rng: &rng)
        XCTAssertEqual(try same.outputShape(for: [1, 1, 7, 8]), [1, 2, 4, 4])
        XCTAssertThrowsError(try conv.outputShape(for: [4, 2, 32, 32])) { error in
            XCTAssertTrue("\(error)".contains("expects input [N, 3, H, W], got [4, 2, 32, 32]"), "\(error)")
        }
        XCTAssertThrowsError(try conv.outputShape(for: [1, 3, 4, 40])) { error in
            XCTAssertTrue("\(error)".contains("input height 4 is smaller than the kernel (5)"), "\(error)")
        }
        XCTAssertThrowsError(try Conv2D(context, inputChannels: 3, filters: 8, kernelSize: 0, rng: &rng))
        XCTAssertThrowsError(try conv.backward(Tensor.zeros(context, shape: [4, 8, 14, 13]))) { error in
            XCTAssertTrue("\(error)".contains("needs a forward pass in training mode"), "\(error)")
        }
    }

    func testParameterOnlyBackwardWritesTheSameGradients() throws {
        let context = try TestDevice.context()
        for (stride, shape) in [(1, [2, 2, 9, 8]), (2, [3, 2, 11, 7])] {
            var rng = SeededGenerator(seed: UInt64(30 + stride))
            let conv = try Conv2D(context, inputChannels: 2, filters: 3, kernelSize: 3, stride: stride, padding: .same, rng: &rng)
            let network = try Graph(inputShape: Array(shape.dropFirst()), layers: [conv, ReLU(context)])
            let x = try Tensor(context, shape: shape, values: (0..<shape.reduce(1, *)).map { _ in rng.nextNormal() })
            let outputShape = try network.outputShapes(batch: shape[0]).last!
            let dy = try Tensor(context, shape: outputShape, values: (0..<outputShape.reduce(1, *)).map { _ in rng.nextNormal() })
            _ = try network.forward(x, mode: .training)
            try network.backward(dy)
            let full = try network.parameters.map { try $0.gradient.toArray() }
            for parameter in network.parameters { try parameter.gradient.buffer.write([Float](repeating: 7, count: parameter.gradient.count)) }
            _ = try network.forward(x, mode: .training)
            try network.backwardToParameters(dy)
            let partial = try network.parameters.map { try $0.gradient.toArray() }
            XCTAssertEqual(partial, full, "stride \(stride): skipping the input gradient must not change the parameters' gradients")
        }
    }
}
