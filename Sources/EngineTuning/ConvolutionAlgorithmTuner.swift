import Engine
import OpenCLKit

/// Times every algorithm that supports one pass of a convolution and keeps the fastest whose
/// result agrees with the others: DeepCL's ForwardAuto idea, but run once by
/// `pneumo bench --tune`, whose winners go into the device profile's `convolutionAlgorithms`.
public struct ConvolutionAlgorithmTuner {
    /// One pass's timings in seconds by algorithm, and the chosen one (nil when none ran).
    public struct Result: Sendable {
        public let key: String
        public let product: TunedProduct
        public let seconds: [String: Double]
        public let winner: String?
        /// The algorithm the profile's rule picks, for comparison.
        public let ruleChoice: String
        /// Algorithms left out, with the reason.
        public let rejected: [String: String]
    }

    public var warmup = 1
    public var runs = 3
    /// Largest |difference| from the first algorithm's result, relative to its largest |value|.
    public var tolerance: Float = 1e-3

    public init() {}

    /// Times `pass` of `geometry` (on at most `maxImages` images) with each of `convolution`'s algorithms.
    public func tune(_ convolution: Convolution, geometry: ConvGeometry, pass: ConvolutionPass, maxImages: Int = 8) throws -> Result {
        let g = try ConvGeometry(
            batch: min(geometry.batch, max(1, maxImages)), inChannels: geometry.inChannels, height: geometry.height, width: geometry.width,
            filters: geometry.filters, kernelHeight: geometry.kernelHeight, kernelWidth: geometry.kernelWidth, stride: geometry.stride,
            padding: geometry.padding)
        let context = convolution.context
        var rng = SeededGenerator(seed: 44)
        func buffer(_ shape: [Int]) throws -> DeviceBuffer<Float> {
            try DeviceBuffer(context, (0..<shape.reduce(1, *)).map { _ in rng.nextNormal() })
        }
        let input = try buffer(g.inputShape), weight = try buffer(g.weightShape), bias = try buffer([g.filters])
        let outputGradient = try buffer(g.outputShape)
        let output = try DeviceBuffer<Float>(context, count: (pass == .backwardWeights ? g.weightShape : pass == .forward ? g.outputShape : g.inputShape)
            .reduce(1, *))
        let biasGradient = try DeviceBuffer<Float>(context, count: g.filters)
        func run(_ algorithm: ConvolutionAlgorithm) throws {
            switch pass {
            case .forward:
                try algorithm.forward(input: input, weight: weight, bias: bias, output: output, geometry: g)
            case .backwardInput:
                try algorithm.backward(input: nil, outputGradient: outputGradient, weight: weight, inputGradient: output,
                                       weightGradient: nil, biasGradient: nil, geometry: g)
            case .backwardWeights:
                try algorithm.backward(input: input, outputGradient: outputGradient, weight: nil, inputGradient: nil,
                                       weightGradient: output, biasGradient: biasGradient, geometry: g)
            }
        }
        var seconds: [String: Double] = [:]
        var rejected: [String: String] = [:]
        var first: [Float]?
        // Built one by one, so an algorithm that fails to build is rejected like one that fails to run.
        let names = convolution.descriptors.filter { $0.supports(g) }.map(\.name)
        for name in names {
            do {
                let algorithm = try convolution.algorithm(named: name)
                try run(algorithm)
                let values = try output.read()
                if let first {
                    let scale = max(first.map(abs).max() ?? 0, 1e-6)
                    let worst = zip(values, first).map { abs($0 - $1) }.max() ?? 0
                    guard worst <= tolerance * scale else {
                        rejected[name] = "differs from \(names[0]) by \(worst)"
                        continue
                    }
                } else {
                    first = values
                }
                seconds[name] = try medianSeconds(context, warmup: warmup, runs: runs) { try run(algorithm) }
            } catch {
                rejected[name] = "\(error)"
            }
        }
        let winner = seconds.min { $0.value < $1.value }?.key
        return Result(key: ConvolutionChoice.key(g, pass), product: ConvolutionShapes.product(g, pass), seconds: seconds, winner: winner,
                      ruleChoice: ConvolutionChoice.rule(g, pass, convolution.resources), rejected: rejected)
    }
}
