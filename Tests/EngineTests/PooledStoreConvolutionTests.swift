import Engine
import Foundation
import OpenCLKit
import XCTest

/// Convolutions over few input channels that max-pool 2 x 2 as they store: against the
/// convolution, ReLU and pooling references, on odd sizes, both paddings, filters that do not
/// fill the last tile, and kernels of 1, 3 and 5 (forced: these batches are too small for the
/// store to pay, which `testSmallBatchesKeepTheDirectKernelAndAPoolingPass` checks).
final class PooledStoreConvolutionTests: XCTestCase {
    func testPoolingInTheStoreMatchesConvolutionThenPooling() throws {
        let choice = try DeviceSelector.choose(flag: ProcessInfo.processInfo.environment["PNEUMO_TEST_DEVICE"] ?? "cpu")
        let context = try ComputeContext(device: choice.device, profiling: true)
        var rng = SeededGenerator(seed: 21)
        let cases: [(channels: Int, filters: Int, kernel: Int, padding: Padding, height: Int, width: Int, relu: Bool)] = [
            (1, 16, 3, .same, 13, 11, true),
            (3, 40, 3, .valid, 16, 18, true),
            (2, 5, 5, .same, 9, 9, false),
            (4, 7, 1, .same, 8, 6, true),
        ]
        for c in cases {
            let label = "\(c.channels) -> \(c.filters), k\(c.kernel) \(c.padding), \(c.height) x \(c.width)"
            let conv = try Conv2D(context, inputChannels: c.channels, filters: c.filters, kernelSize: c.kernel, padding: c.padding, rng: &rng)
            try conv.bias.value.buffer.write((0..<c.filters).map { _ in rng.nextNormal() * 0.3 })
            let pool = try MaxPool2D(context, size: 2)
            let fused = try InferenceConvolution(conv, norm: nil, relu: c.relu, pool: pool, alwaysPoolInStore: true)
            let batch = 2
            let values = (0..<(batch * c.channels * c.height * c.width)).map { _ in rng.nextNormal() }
            let input = try Tensor(context, shape: [batch, c.channels, c.height, c.width], values: values)

            let g = try ConvGeometry(
                batch: batch, inChannels: c.channels, height: c.height, width: c.width, filters: c.filters,
                kernelHeight: c.kernel, kernelWidth: c.kernel, stride: 1, padding: c.padding)
            var convolved = ConvolutionReference.forward(
                input: values, weight: try conv.weight.value.toArray(), bias: try conv.bias.value.toArray(), geometry: g)
            if c.relu { convolved = ActivationReference.relu(convolved) }
            let pooling = try PoolGeometry(batch: batch, channels: c.filters, height: g.outHeight, width: g.outWidth, size: 2, stride: 2)
            let expected = PoolingReference.maxForward(convolved, geometry: pooling).output

            let before = context.profiler?.entries["conv_pool2_store"]?.launches ?? 0
            let output = try fused.forward(input, mode: .inference)
            try context.finish()
            XCTAssertEqual(output.shape, [batch, c.filters, g.outHeight / 2, g.outWidth / 2], label)
            XCTAssertEqual(context.profiler?.entries["conv_pool2_store"]?.launches, before + 1, "one launch pools as it stores: \(label)")
            XCTAssertNil(context.profiler?.entries["maxpool_forward"], "no pooling pass: \(label)")
            assertClose(try output.toArray(), expected, absolute: 1e-5, relative: 1e-5, label)
        }
    }

    func testSmallBatchesKeepTheDirectKernelAndAPoolingPass() throws {
        let choice = try DeviceSelector.choose(flag: ProcessInfo.processInfo.environment["PNEUMO_TEST_DEVICE"] ?? "cpu")
        let context = try ComputeContext(device: choice.device, profiling: true)
        var rng = SeededGenerator(seed: 23)
        let conv = try Conv2D(context, inputChannels: 1, filters: 8, kernelSize: 3, padding: .same, rng: &rng)
        let fused = try InferenceConvolution(conv, norm: nil, relu: true, pool: try MaxPool2D(context, size: 2))
        let values = (0..<256).map { _ in rng.nextNormal() }
        let output = try fused.forward(try Tensor(context, shape: [1, 1, 16, 16], values: values), mode: .inference)
        try context.finish()
        XCTAssertEqual(output.shape, [1, 8, 8, 8])
        XCTAssertNil(context.profiler?.entries["conv_pool2_store"], "8 KiB of output stays in cache: the direct kernel is faster")
        XCTAssertEqual(context.profiler?.entries["maxpool_forward"]?.launches, 1)
    }

    /// What the store cannot do (many input channels, another pooling) keeps the pooling
    /// pass, with the same results as the references.
    func testOtherShapesKeepThePoolingPass() throws {
        let context = try TestDevice.context()
        var rng = SeededGenerator(seed: 22)
        for (channels, poolSize, poolStride) in [(8, 2, 2), (1, 3, 1)] {
            let conv = try Conv2D(context, inputChannels: channels, filters: 4, kernelSize: 3, padding: .same, rng: &rng)
            let pool = try MaxPool2D(context, size: poolSize, stride: poolStride)
            let values = (0..<(channels * 64)).map { _ in rng.nextNormal() }
            let input = try Tensor(context, shape: [1, channels, 8, 8], values: values)
            let output = try InferenceConvolution(conv, norm: nil, relu: true, pool: pool, alwaysPoolInStore: true)
                .forward(input, mode: .inference)
            let g = try ConvGeometry(
                batch: 1, inChannels: channels, height: 8, width: 8, filters: 4, kernelHeight: 3, kernelWidth: 3, stride: 1, padding: .same)
            let convolved = ActivationReference.relu(ConvolutionReference.forward(
                input: values, weight: try conv.weight.value.toArray(), bias: try conv.bias.value.toArray(), geometry: g))
            let pooling = try PoolGeometry(batch: 1, channels: 4, height: 8, width: 8, size: poolSize, stride: poolStride)
            assertClose(try output.toArray(), PoolingReference.maxForward(convolved, geometry: pooling).output,
                        absolute: 1e-5, relative: 1e-5, "\(channels) channels, pool \(poolSize) stride \(poolStride)")
        }
    }
}
