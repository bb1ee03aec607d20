import Engine
import OpenCLKit

/// Random operands and outputs of one convolution shape, made once and shared by every
/// algorithm timed on it, and one pass of an algorithm on them.
public struct ConvolutionOperands {
    public let geometry: ConvGeometry
    let input, weight, bias, output, outputGradient, inputGradient, weightGradient, biasGradient: DeviceBuffer<Float>

    /// Normal random input, weights, bias and output gradient from `seed`; outputs left undefined.
    public init(_ context: ComputeContext, _ g: ConvGeometry, seed: UInt64 = 1) throws {
        geometry = g
        var rng = SeededGenerator(seed: seed)
        func random(_ count: Int) throws -> DeviceBuffer<Float> { try DeviceBuffer(context, (0..<count).map { _ in rng.nextNormal() }) }
        let inputCount = g.inputShape.reduce(1, *), outputCount = g.outputShape.reduce(1, *), weightCount = g.weightShape.reduce(1, *)
        input = try random(inputCount)
        weight = try random(weightCount)
        bias = try random(g.filters)
        outputGradient = try random(outputCount)
        output = try DeviceBuffer(context, count: outputCount)
        inputGradient = try DeviceBuffer(context, count: inputCount)
        weightGradient = try DeviceBuffer(context, count: weightCount)
        biasGradient = try DeviceBuffer(context, count: g.filters)
    }

    /// Runs `pass` with `algorithm` (queued, not waited for): the forward pass with bias, the
    /// input gradient alone, or the weight and bias gradients together.
    public func run(_ algorithm: ConvolutionAlgorithm, _ pass: ConvolutionPass) throws {
        switch pass {
        case .forward:
            try algorithm.forward(input: input, weight: weight, bias: bias, output: output, geometry: geometry)
        case .backwardInput:
            try algorithm.backward(
                input: nil, outputGradient: outputGradient, weight: weight, inputGradient: inputGradient,
                weightGradient: nil, biasGradient: nil, geometry: geometry)
        case .backwardWeights:
            try algorithm.backward(
                input: input, outputGradient: outputGradient, weight: nil, inputGradient: nil,
                weightGradient: weightGradient, biasGradient: biasGradient, geometry: geometry)
        }
    }
}
