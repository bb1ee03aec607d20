import Engine
import OpenCLKit
import XCTest

/// One whole residual block (stride-2 3x3 convolutions, batch norms in training, a 1x1
/// projection, Add, ReLU) against PyTorch: output, running statistics and every gradient.
/// The graph fuses BatchNorm -> ReLU and Add -> ReLU, so this also holds the fused ops to
/// PyTorch's unfused arithmetic. Tolerances as the batch norm fixtures: 1e-4 relative.
final class ResidualBlockFixtureTests: XCTestCase {
    func testResidualBlockMatchesPyTorch() throws {
        let context = try TestDevice.context()
        let fixtures = try Fixtures.all(op: "residual_block")
        XCTAssertEqual(fixtures.count, 1)
        for fixture in fixtures {
            let input = try fixture.tensor("input")
            let stride = try XCTUnwrap(fixture.config["stride"]?.int)
            let filters = try XCTUnwrap(fixture.config["out_channels"]?.int)
            let channels = input.shape[1]
            var rng = SeededGenerator(seed: 1)
            func conv(_ from: Int, kernel: Int, stride: Int) throws -> Conv2D {
                try Conv2D(context, inputChannels: from, filters: filters, kernelSize: kernel, stride: stride, padding: .same, rng: &rng)
            }
            let norms = try (0..<3).map { _ in try BatchNorm(context, channels: filters) }
            let graph = try Graph(inputShape: Array(input.shape.dropFirst()), nodes: [
                .init("conv1", try conv(channels, kernel: 3, stride: stride), inputs: ["input"]),
                .init("bn1", norms[0], inputs: ["conv1"]), .init("relu1", ReLU(context), inputs: ["bn1"]),
                .init("conv2", try conv(filters, kernel: 3, stride: 1), inputs: ["relu1"]),
                .init("bn2", norms[1], inputs: ["conv2"]),
                .init("proj", try conv(channels, kernel: 1, stride: stride), inputs: ["input"]),
                .init("proj_bn", norms[2], inputs: ["proj"]),
                .init("sum", Add(), inputs: ["bn2", "proj_bn"]), .init("out", ReLU(context), inputs: ["sum"]),
            ])
            XCTAssertEqual(graph.steps.map(\.op.kind).filter { $0.hasSuffix("ReLU") }, ["BatchNormReLU", "AddReLU"])
            for (name, parameter) in graph.namedParameters { try parameter.value.buffer.write(try fixture.tensor(name).data) }
            for (name, tensor) in graph.namedBuffers { try tensor.buffer.write(try fixture.tensor(name + "_before").data) }
            let y = try graph.forward(try Tensor(context, shape: input.shape, values: input.data), mode: .training)
            assertClose(try y.toArray(), try fixture.tensor("output").data, absolute: 2e-5, relative: 1e-4, "output")
            for (name, tensor) in graph.namedBuffers {
                assertClose(try tensor.toArray(), try fixture.tensor(name).data, absolute: 1e-5, relative: 1e-4, name)
            }
            let r = try fixture.tensor("r")
            let dx = try graph.backward(try Tensor(context, shape: r.shape, values: r.data))
            assertClose(try dx.toArray(), try fixture.tensor("grad_input").data, absolute: 2e-5, relative: 1e-4, "input gradient")
            for (name, parameter) in graph.namedParameters {
                assertClose(try parameter.gradient.toArray(), try fixture.tensor("grad_" + name).data, absolute: 1e-4, relative: 1e-4, name)
            }
        }
    }
}
