import Engine
import Foundation
import OpenCLKit

/// One product timed under candidate tile configurations by `GEMMTuner`.
public protocol TuningTrial {
    /// What is timed; its shape class decides which stored choice the result feeds.
    var product: TunedProduct { get }
    /// Throws unless `tuning` computes the product as the reference does.
    func validate(_ tuning: GEMMTuning) throws
    /// Median seconds of one run of the product with `tuning`.
    func seconds(_ tuning: GEMMTuning) throws -> Double
}

/// Median of a few timed runs after untimed ones, draining the device each time.
func medianSeconds(_ context: ComputeContext, warmup: Int, runs: Int, _ body: () throws -> Void) throws -> Double {
    for _ in 0..<warmup { try body() }
    try context.finish()
    var times: [Double] = []
    for _ in 0..<max(1, runs) {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        try context.finish()
        times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
    return times.sorted()[times.count / 2]
}

/// A plain product through `GEMM.multiply` (dense layers).
public struct GEMMTrial: TuningTrial {
    public let context: ComputeContext
    public let product: TunedProduct
    public var warmup = 1
    public var runs = 3

    public init(_ context: ComputeContext, m: Int, n: Int, k: Int, batch: Int = 1) {
        self.context = context
        product = TunedProduct(kernel: .gemm, m: m, n: n, k: k, batch: batch)
    }

    /// Every entry of a small product with awkward sizes, transposes and a bias against
    /// `GEMMReference`; the real shape is spot-checked again by `GEMMBenchmark` before timing.
    public func validate(_ tuning: GEMMTuning) throws {
        try tuning.validate()
        let gemm = try GEMM(context, tuning: tuning)
        let (m, n, k) = (tuning.tileRows * 2 + 1, tuning.tileColumns + 3, 29)
        var rng = SeededGenerator(seed: 41)
        let a = (0..<k * m).map { _ in rng.nextNormal() }
        let b = (0..<n * k).map { _ in rng.nextNormal() }
        let bias = (0..<n).map { _ in rng.nextNormal() }
        var expected = [Float](repeating: 0, count: m * n)
        GEMMReference.multiply(m: m, n: n, k: k, a: a, lda: m, transposeA: true, b: b, ldb: k, transposeB: true,
                               c: &expected, ldc: n, columnBias: bias)
        let c = try DeviceBuffer<Float>(context, count: m * n)
        try gemm.multiply(
            m: m, n: n, k: k, GEMMOperand(try DeviceBuffer(context, a), leadingDimension: m, transposed: true),
            GEMMOperand(try DeviceBuffer(context, b), leadingDimension: k, transposed: true), GEMMOperand(c, leadingDimension: n),
            bias: .perColumn(try DeviceBuffer(context, bias)), path: .packed)
        try requireClose(try c.read(), expected, "GEMM \(m)x\(n)x\(k)", tuning)
    }

    public func seconds(_ tuning: GEMMTuning) throws -> Double {
        try GEMMBenchmark.run(
            context, m: product.m, n: product.n, k: product.k, batch: product.batch, gemm: GEMM(context, tuning: tuning),
            warmup: warmup, runs: runs).medianSeconds
    }
}

/// One pass of a stride-1 convolution through the direct kernels.
public struct ConvolutionTrial: TuningTrial {
    public let context: ComputeContext
    public let geometry: ConvGeometry
    public let pass: ConvolutionPass
    public var warmup = 1
    public var runs = 3

    /// `geometry` as a model runs it, timed on at most `maxImages` images (time scales with images).
    public init(_ context: ComputeContext, geometry: ConvGeometry, pass: ConvolutionPass, maxImages: Int = 8) throws {
        self.context = context
        self.pass = pass
        let g = geometry
        self.geometry = try ConvGeometry(
            batch: min(g.batch, max(1, maxImages)), inChannels: g.inChannels, height: g.height, width: g.width, filters: g.filters,
            kernelHeight: g.kernelHeight, kernelWidth: g.kernelWidth, stride: g.stride, padding: g.padding)
    }

    public var product: TunedProduct { ConvolutionShapes.product(geometry, pass) }

    /// A small convolution with this one's kernel and padding (and odd sizes) against
    /// `ConvolutionReference`, then 32 entries of the real one.
    public func validate(_ tuning: GEMMTuning) throws {
        try tuning.validate()
        let g = geometry
        let small = try ConvGeometry(
            batch: 2, inChannels: 3, height: g.kernelHeight + 6, width: g.kernelWidth + 11, filters: tuning.tileRows + 1,
            kernelHeight: g.kernelHeight, kernelWidth: g.kernelWidth, stride: 1, padding: g.padding)
        for geometry in [small, g] {
            let run = try run(tuning, geometry)
            let expected: [Float]
            if geometry == small {
                expected = pass == .forward
                    ? ConvolutionReference.forward(input: run.input, weight: run.weight, bias: nil, geometry: geometry)
                    : ConvolutionReference.backwardInput(outputGradient: run.input, weight: run.weight, geometry: geometry)
                try requireClose(run.output, expected, "\(pass.rawValue) \(geometry)", tuning)
            } else {
                try spotCheck(run, geometry, tuning)
            }
        }
    }

    public func seconds(_ tuning: GEMMTuning) throws -> Double {
        let convolution = try Convolution(context, gemm: GEMM(context, tuning: tuning))
        convolution.pinnedAlgorithm = "direct"
        let (input, weight, output) = try buffers(geometry)
        return try medianSeconds(context, warmup: warmup, runs: runs) {
            try launch(convolution, geometry, input: input, weight: weight, output: output)
        }
    }

    /// The pass's input (x, or dY), weights and output after one run with `tuning`.
    private func run(_ tuning: GEMMTuning, _ g: ConvGeometry) throws -> (input: [Float], weight: [Float], output: [Float]) {
        let convolution = try Convolution(context, gemm: GEMM(context, tuning: tuning))
        convolution.pinnedAlgorithm = "direct"
        let (input, weight, output) = try buffers(g)
        try launch(convolution, g, input: input, weight: weight, output: output)
        return (try input.read(), try weight.read(), try output.read())
    }

    private func buffers(_ g: ConvGeometry) throws -> (DeviceBuffer<Float>, DeviceBuffer<Float>, DeviceBuffer<Float>) {
        var rng = SeededGenerator(seed: 43)
        let inputShape = pass == .forward ? g.inputShape : g.outputShape
        let outputShape = pass == .forward ? g.outputShape : g.inputShape
        let input = try DeviceBuffer(context, (0..<inputShape.reduce(1, *)).map { _ in rng.nextNormal() })
        let weight = try DeviceBuffer(context, (0..<g.weightShape.reduce(1, *)).map { _ in rng.nextNormal() })
        return (input, weight, try DeviceBuffer<Float>(context, count: outputShape.reduce(1, *)))
    }

    private func launch(_ convolution: Convolution, _ g: ConvGeometry, input: DeviceBuffer<Float>, weight: DeviceBuffer<Float>, output: DeviceBuffer<Float>) throws {
        switch pass {
        case .forward: try convolution.forward(input: input, weight: weight, bias: nil, output: output, geometry: g)
        case .backwardInput: try convolution.backwardInput(outputGradient: input, weight: weight, inputGradient: output, geometry: g)
        case .backwardWeights:
            throw EngineError.invalidConfiguration("the weight-gradient pass has no tile configuration to tune")
        }
    }

    /// 32 outputs of the real geometry summed on the host in Double.
    private func spotCheck(_ run: (input: [Float], weight: [Float], output: [Float]), _ g: ConvGeometry, _ tuning: GEMMTuning) throws {
        var rng = SeededGenerator(seed: 44)
        for _ in 0..<32 {
            let n = Int(rng.next() % UInt64(g.batch))
            if pass == .forward {
                let (f, oh, ow) = (Int(rng.next() % UInt64(g.filters)), Int(rng.next() % UInt64(g.outHeight)), Int(rng.next() % UInt64(g.outWidth)))
                var sum = 0.0
                for c in 0..<g.inChannels {
                    for i in 0..<g.kernelHeight {
                        for j in 0..<g.kernelWidth {
                            let (y, x) = (oh - g.padTop + i, ow - g.padLeft + j)
                            guard y >= 0, y < g.height, x >= 0, x < g.width else { continue }
                            sum += Double(run.input[((n * g.inChannels + c) * g.height + y) * g.width + x])
                                * Double(run.weight[((f * g.inChannels + c) * g.kernelHeight + i) * g.kernelWidth + j])
                        }
                    }
                }
                try requireClose([run.output[((n * g.filters + f) * g.outHeight + oh) * g.outWidth + ow]], [Float(sum)], "\(g)", tuning)
            } else {
                let (c, y, x) = (Int(rng.next() % UInt64(g.inChannels)), Int(rng.next() % UInt64(g.height)), Int(rng.next() % UInt64(g.width)))
                var sum = 0.0
                for f in 0..<g.filters {
                    for i in 0..<g.kernelHeight {
                        for j in 0..<g.kernelWidth {
                            let (oh, ow) = (y + g.padTop - i, x + g.padLeft - j)
                            guard oh >= 0, oh < g.outHeight, ow >= 0, ow < g.outWidth else { continue }
                            sum += Double(run.input[((n * g.filters + f) * g.outHeight + oh) * g.outWidth + ow])
                                * Double(run.weight[((f * g.inChannels + c) * g.kernelHeight + i) * g.kernelWidth + j])
                        }
                    }
                }
                try requireClose([run.output[((n * g.inChannels + c) * g.height + y) * g.width + x]], [Float(sum)], "\(g)", tuning)
            }
        }
    }
}

/// Throws when any entry is off by more than 1e-3 * (1 + |expected|) (sums of up to a few
/// thousand N(0, 1) products in float drift far less).
func requireClose(_ actual: [Float], _ expected: [Float], _ what: String, _ tuning: GEMMTuning) throws {
    guard actual.count == expected.count else {
        throw EngineError.shapeMismatch("\(what) with \(tuning): \(actual.count) results for \(expected.count) expected")
    }
    for (index, (a, e)) in zip(actual, expected).enumerated() where !(abs(a - e) <= 1e-3 * (1 + abs(e))) {
        throw EngineError.invalidConfiguration("\(what) with \(tuning) is wrong at \(index): \(a) instead of \(e)")
    }
}
