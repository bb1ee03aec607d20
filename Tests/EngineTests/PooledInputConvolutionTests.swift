import OpenCLKit
import XCTest
@testable import Engine

/// The direct and fused Winograd convolutions of a max-pooled input, pooled in the padding
/// pass (`pad_pooled_planes`), against the pooling and convolution references one after the other.
final class PooledInputConvolutionTests: XCTestCase {
    func testDirectConvolutionPoolingItsInputMatchesReference() throws {
        let context = try TestDevice.context()
        var rng = SeededGenerator(seed: 17)
        func random(_ count: Int, scale: Float = 1) -> [Float] { (0..<count).map { _ in rng.nextNormal() * scale } }
        let cases: [(n: Int, c: Int, h: Int, w: Int, f: Int, k: Int, padding: Padding, size: Int, stride: Int, rectify: Bool)] = [
            (2, 3, 17, 23, 5, 3, .same, 2, 2, true),   // odd sizes: the last row and column are dropped (floor)
            (1, 4, 12, 10, 6, 3, .valid, 3, 2, false), // overlapping windows
            (3, 8, 16, 16, 8, 3, .same, 2, 2, true),
            (1, 2, 9, 9, 4, 1, .same, 3, 3, false),
        ]
        let convolution = try Convolution(context)
        let direct = try XCTUnwrap(try convolution.algorithm(named: "direct") as? DirectConvolution)
        for s in cases {
            let pool = try PoolGeometry(batch: s.n, channels: s.c, height: s.h, width: s.w, size: s.size, stride: s.stride)
            let g = try ConvGeometry(batch: s.n, inChannels: s.c, height: pool.outHeight, width: pool.outWidth, filters: s.f,
                                     kernelHeight: s.k, kernelWidth: s.k, stride: 1, padding: s.padding)
            let x = random(pool.inputShape.reduce(1, *))
            let w = random(g.weightShape.reduce(1, *), scale: 0.3)
            let b = random(g.filters, scale: 0.5)
            let output = try DeviceBuffer<Float>(context, count: g.outputShape.reduce(1, *))
            try direct.forward(
                pooling: pool, input: try DeviceBuffer(context, x), weight: try DeviceBuffer(context, w), bias: try DeviceBuffer(context, b),
                output: output, geometry: g, rectify: s.rectify, prepared: nil)
            let pooled = PoolingReference.maxForward(x, geometry: pool).output
            let expected = ConvolutionReference.forward(input: pooled, weight: w, bias: b, geometry: g).map { s.rectify ? max($0, 0) : $0 }
            assertClose(try output.read(), expected, absolute: 2e-4, relative: 1e-4, "\(pool), \(g)")
        }
    }

    /// Fused Winograd pools as it pads its input; through memory it leaves the pooling to the caller.
    func testFusedWinogradPoolingItsInputMatchesReference() throws {
        let context = try TestDevice.context()
        var rng = SeededGenerator(seed: 19)
        func random(_ count: Int, scale: Float = 1) -> [Float] { (0..<count).map { _ in rng.nextNormal() * scale } }
        let cases: [(n: Int, c: Int, h: Int, w: Int, f: Int, padding: Padding, size: Int, stride: Int, rectify: Bool)] = [
            (2, 8, 17, 23, 5, .same, 2, 2, true),    // pooled to 8 x 11: odd width, the grid rounded up
            (1, 9, 12, 10, 6, .valid, 3, 2, false),  // overlapping windows
            (3, 16, 32, 32, 20, .same, 2, 2, true),  // 16 x 16: two rows of tiles per vector
        ]
        let winograd = try XCTUnwrap(try Convolution(context).algorithm(named: "winograd") as? WinogradConvolution)
        for s in cases {
            let pool = try PoolGeometry(batch: s.n, channels: s.c, height: s.h, width: s.w, size: s.size, stride: s.stride)
            let g = try ConvGeometry(batch: s.n, inChannels: s.c, height: pool.outHeight, width: pool.outWidth, filters: s.f,
                                     kernelHeight: 3, kernelWidth: 3, stride: 1, padding: s.padding)
            let x = random(pool.inputShape.reduce(1, *))
            let w = random(g.weightShape.reduce(1, *), scale: 0.3)
            let b = random(g.filters, scale: 0.5)
            let pooled = PoolingReference.maxForward(x, geometry: pool).output
            let expected = ConvolutionReference.forward(input: pooled, weight: w, bias: b, geometry: g).map { s.rectify ? max($0, 0) : $0 }
            for fused in [true, false] {
                winograd.fusesTransforms = fused
                let output = try DeviceBuffer<Float>(context, [Float](repeating: 7, count: g.outputShape.reduce(1, *)))
                let done = try winograd.forward(
                    pooling: pool, input: try DeviceBuffer(context, x), weight: try DeviceBuffer(context, w), bias: try DeviceBuffer(context, b),
                    output: output, geometry: g, rectify: s.rectify, prepared: nil)
                XCTAssertEqual(done, fused, "\(pool), \(g)")
                if fused {
                    assertClose(try output.read(), expected, absolute: 4e-4, relative: 2e-4, "\(pool), \(g)")
                } else {
                    XCTAssertEqual(try output.read(), [Float](repeating: 7, count: g.outputShape.reduce(1, *)), "nothing runs")
                }
            }
        }
    }

    /// im2col does not pool as it reads; nothing runs.
    func testOtherAlgorithmsLeaveThePoolingToTheCaller() throws {
        let context = try TestDevice.context()
        let convolution = try Convolution(context)
        convolution.pinnedAlgorithm = "im2col"
        let pool = try PoolGeometry(batch: 1, channels: 2, height: 8, width: 8, size: 2, stride: 2)
        let g = try ConvGeometry(batch: 1, inChannels: 2, height: 4, width: 4, filters: 3, kernelHeight: 3, kernelWidth: 3, stride: 1, padding: .same)
        let output = try DeviceBuffer<Float>(context, [Float](repeating: 7, count: 48))
        let done = try convolution.forwardPoolingInput(
            pool, input: try DeviceBuffer<Float>(context, count: 128), weight: try DeviceBuffer<Float>(context, count: 54), bias: nil,
            output: output, geometry: g, rectify: false, prepared: nil)
        XCTAssertFalse(done)
        XCTAssertEqual(try output.read(), [Float](repeating: 7, count: 48))
    }

    func testMismatchedPoolingIsRefused() throws {
        let context = try TestDevice.context()
        let direct = try XCTUnwrap(try Convolution(context).algorithm(named: "direct") as? DirectConvolution)
        let pool = try PoolGeometry(batch: 1, channels: 2, height: 8, width: 8, size: 2, stride: 2)
        let g = try ConvGeometry(batch: 1, inChannels: 2, height: 5, width: 4, filters: 3, kernelHeight: 3, kernelWidth: 3, stride: 1, padding: .same)
        let buffer = try DeviceBuffer<Float>(context, count: 256)
        XCTAssertThrowsError(try direct.forward(pooling: pool, input: buffer, weight: buffer, bias: nil, output: buffer, geometry: g,
                                                rectify: false, prepared: nil)) { error in
            XCTAssertTrue("\(error)".contains("the pooling gives [1, 2, 4, 4], but the convolution"), "\(error)")
        }
    }
}
