import OpenCLKit

/// An algorithm that can apply a ReLU as it stores the forward output (bias added, then
/// max(., 0)), so an inference layer's activation costs no pass of its own.
public protocol RectifyingConvolutionAlgorithm: ConvolutionAlgorithm {
    /// `forward`, with max(., 0) applied to every output when `rectify`.
    func forward(
        input: DeviceBuffer<Float>, weight: DeviceBuffer<Float>, bias: DeviceBuffer<Float>?,
        output: DeviceBuffer<Float>, geometry: ConvGeometry, rectify: Bool) throws
}

extension Convolution {
    /// max(conv(input, weight) + bias, 0) with `rectify`, else plain `forward`: the ReLU runs in
    /// the chosen algorithm's store where it has one (direct, im2col), else as a pass over `output`.
    public func forward(
        input: DeviceBuffer<Float>, weight: DeviceBuffer<Float>, bias: DeviceBuffer<Float>?,
        output: DeviceBuffer<Float>, geometry g: ConvGeometry, rectify: Bool
    ) throws {
        guard rectify else {
            try forward(input: input, weight: weight, bias: bias, output: output, geometry: g)
            return
        }
        try resources.requireForward(input: input, weight: weight, bias: bias, output: output, g)
        WorkLedger.record(context, product: ConvolutionShapes.product(g, .forward), convolution: g, pass: .forward)
        let chosen = try algorithm(for: g, .forward)
        if let rectifying = chosen as? RectifyingConvolutionAlgorithm {
            try rectifying.forward(input: input, weight: weight, bias: bias, output: output, geometry: g, rectify: true)
        } else {
            try chosen.forward(input: input, weight: weight, bias: bias, output: output, geometry: g)
            try Activation.reluInPlace(output, count: g.outputShape.reduce(1, *), context: context)
        }
    }
}
