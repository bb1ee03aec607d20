import Foundation
import Engine
import OpenCLKit
import XCTest

/// With gamma and erasing off, augmentation must give exactly what it gave before they
/// existed, so that earlier training runs reproduce: the same parameters, the same state of
/// the random stream afterwards, the same reference values and, on the device, the same bits
/// as the kernel of that time (kept below).
final class AugmentBaselineTests: XCTestCase {
    /// The settings `pneumo train` uses by default (the standard strengths x 1.5), and strong ones with a flip.
    private let standard = AugmentationSettings(rotationDegrees: 10, shift: 0.1, zoom: 0.1, brightness: 0.1, contrast: 0.1, aspect: 0.2)
        .scaled(by: 1.5)
    private let strong = AugmentationSettings(rotationDegrees: 40, shift: 0.3, zoom: 0.4, brightness: 0.3, contrast: 0.5, aspect: 0.3,
                                              horizontalFlip: true)

    // Printed by the code before gamma and erasing existed: three images of 128 x 128 drawn
    // from seed 42 (8 floats each, as bit patterns), and the generator's state afterwards
    // (the same for both settings: every strength draws whether it is zero or not).
    private static let standardBits: [UInt32] = [
        0x3f82ae07, 0x3e1ba7e4, 0xbe04f0a0, 0x3f99026e, 0xc1080709, 0xc0bf7562, 0x3f8e23d4, 0xbe0f10d4,
        0x3f85239c, 0xbd992ae5, 0x3db2f521, 0x3f63e77c, 0xc1354eef, 0xbe89d69a, 0x3f80c4bd, 0x3d3ea6d9,
        0x3f7314ae, 0xbe5a0f78, 0x3e4cc5c4, 0x3f816d62, 0xc179cc50, 0x40e82d64, 0x3f5f35e5, 0x3dc07c2a,
    ]
    private static let strongBits: [UInt32] = [
        0xbf995940, 0x3efbddfe, 0x3ed71c49, 0x3fb38d45, 0xc1880709, 0xc13f7562, 0x3faf2218, 0xbeb4c5b4,
        0x3f767853, 0xbe3fcaef, 0x3e601618, 0x3f52f35e, 0xc1b54eef, 0xbf09d69a, 0x3f828fcc, 0x3db67449,
        0x3f53cc3d, 0xbf0b5fb0, 0x3f02e17c, 0x3f618aa5, 0xc1f9cc50, 0x41682d64, 0x3f12b3a6, 0x3e8bf639,
    ]
    private static let stateAfter: UInt64 = 15362738631823041058
    /// The reference's output at pixels 0, 17, 100, 255, 256, 300, 411 and 511 (see the test).
    private static let referenceBits: [UInt32] = [0x0, 0x0, 0x3e98f0d9, 0x3e8ab63f, 0x3f5ed160, 0x3ea759d9, 0x3ed63f5e, 0x3f23ff0b]

    /// Image n's first 8 parameters (those of the kernel before gamma and erasing).
    private func firstEight(_ parameters: [Float]) -> [Float] {
        stride(from: 0, to: parameters.count, by: AugmentationParameters.stride).flatMap { parameters[$0..<($0 + 8)] }
    }

    private func floats(_ bits: [UInt32]) -> [Float] { bits.map(Float.init(bitPattern:)) }

    func testDrawsAndStreamStateAreThoseOfBefore() {
        for (settings, bits, state) in [(standard, Self.standardBits, Self.stateAfter), (strong, Self.strongBits, Self.stateAfter)] {
            var generator = SeededGenerator(seed: 42)
            let parameters = AugmentationParameters.draw(count: 3, width: 128, height: 128, settings: settings, generator: &generator)
            XCTAssertEqual(firstEight(parameters), floats(bits), "\(settings)")
            for n in 0..<3 {
                let start = n * AugmentationParameters.stride
                XCTAssertEqual(Array(parameters[(start + 8)..<(start + AugmentationParameters.stride)]), [1, 0, 0, 0, 0, 0],
                               "gamma 1 and nothing erased when both are off")
            }
            XCTAssertEqual(generator.state, state, "the stream must be where it was left before gamma and erasing existed")
            var on = settings
            on.gamma = 0.1
            var drawing = SeededGenerator(seed: 42)
            _ = AugmentationParameters.draw(count: 3, width: 128, height: 128, settings: on, generator: &drawing)
            XCTAssertNotEqual(drawing.state, state, "gamma on draws more")
        }
    }

    func testReferenceValuesAreThoseOfBefore() {
        var generator = SeededGenerator(seed: 42)
        let parameters = AugmentationParameters.draw(count: 2, width: 16, height: 16, settings: standard, generator: &generator)
        var random = SeededGenerator(seed: 3)
        let values = (0..<512).map { _ in random.nextUniform() }
        let output = AugmentReference.apply(values, shape: [2, 1, 16, 16], parameters: parameters)
        let indices = [0, 17, 100, 255, 256, 300, 411, 511]
        XCTAssertEqual(indices.map { output[$0] }, floats(Self.referenceBits))
    }

    func testKernelIsBitIdenticalToTheKernelOfBefore() throws {
        let context = try TestDevice.context()
        let before = try context.program(source: Self.kernelBefore, label: "augment-before.cl").kernel("augment")
        let augmenter = try Augmenter(context: context, settings: strong, seed: 1)
        var generator = SeededGenerator(seed: 17)
        var random = SeededGenerator(seed: 18)
        for shape in [[3, 1, 128, 128], [2, 3, 9, 12], [4, 1, 17, 5]] {
            for settings in [standard, strong] {
                let (batch, channels, height, width) = (shape[0], shape[1], shape[2], shape[3])
                let input = try Tensor(context, shape: shape, values: (0..<shape.reduce(1, *)).map { _ in random.nextUniform() })
                let parameters = AugmentationParameters.draw(count: batch, width: width, height: height, settings: settings, generator: &generator)
                let now = try augmenter.apply(input, parameters: parameters).toArray()
                let output = try Tensor(context, shape: shape)
                let parameterBuffer = try DeviceBuffer<Float>(context, firstEight(parameters))
                try context.launch(before, global: [width, height, batch * channels], local: [8, 8, 1],
                                   input.buffer, output.buffer, parameterBuffer, batch, channels, height, width)
                XCTAssertEqual(now, try output.toArray(), "shape \(shape), \(settings)")
            }
        }
    }

    /// Kernels/augment.cl as it was before gamma and erasing (comments shortened).
    private static let kernelBefore = """
        #define AUGMENT_STRIDE 8

        // One work-item per output pixel: global [width, height, batch * channels].
        __kernel void augment(__global const float *input, __global float *output, __global const float *params,
                              const int batch, const int channels, const int height, const int width) {
            const int x = get_global_id(0);
            const int y = get_global_id(1);
            const int plane = get_global_id(2);
            if (x >= width || y >= height || plane >= batch * channels) return;

            __global const float *p = params + (plane / channels) * AUGMENT_STRIDE;
            const float cx = 0.5f * (float)(width - 1);
            const float cy = 0.5f * (float)(height - 1);
            const float dx = (float)x - cx;
            const float dy = (float)y - cy;
            // Outside the image, repeat the nearest edge pixel (Keras' fill_mode="nearest").
            const float sx = clamp(p[0] * dx + p[1] * dy + cx + p[4], 0.0f, (float)(width - 1));
            const float sy = clamp(p[2] * dx + p[3] * dy + cy + p[5], 0.0f, (float)(height - 1));

            const int x0 = (int)floor(sx);
            const int y0 = (int)floor(sy);
            const int x1 = min(x0 + 1, width - 1);
            const int y1 = min(y0 + 1, height - 1);
            const float fx = sx - (float)x0;
            const float fy = sy - (float)y0;

            __global const float *source = input + (size_t)plane * height * width;
            const float top = source[y0 * width + x0] * (1.0f - fx) + source[y0 * width + x1] * fx;
            const float bottom = source[y1 * width + x0] * (1.0f - fx) + source[y1 * width + x1] * fx;
            const float value = top * (1.0f - fy) + bottom * fy;

            output[(size_t)plane * height * width + y * width + x] = clamp(value * p[6] + p[7], 0.0f, 1.0f);
        }
"""
}
