import OpenCLKit

/// An algorithm that can apply a ReLU as it stores the forward output (bias added, then
/// max(., 0)), so an inference layer's activation costs no pass of its own, and that can keep
/// its arrangement of the weights (packed panels, filter tiles) between an inference layer's calls.
public protocol RectifyingConvolutionAlgorithm: ConvolutionAlgorithm {
    /// `forward`, with max(., 0) applied to every output when `rectify`; the weights'
    /// arrangement for the kernels taken from `prepared` when it holds a current one, and kept there.
    func forward(
        input: DeviceBuffer<Float>, weight: DeviceBuffer<Float>, bias: DeviceBuffer<Float>?,
        output: DeviceBuffer<Float>, geometry: ConvGeometry, rectify: Bool, prepared: PreparedWeights?) throws
}

extension RectifyingConvolutionAlgorithm {
    /// `forward` with max(., 0) applied to every output when `rectify`.
    public func forward(
        input: DeviceBuffer<Float>, weight: DeviceBuffer<Float>, bias: DeviceBuffer<Float>?,
        output: DeviceBuffer<Float>, geometry: ConvGeometry, rectify: Bool
    ) throws {
        try forward(input: input, weight: weight, bias: bias, output: output, geometry: geometry, rectify: rectify, prepared: nil)
    }
}

extension Convolution {
    /// max(conv(input, weight) + bias, 0) with `rectify`, else conv(input, weight) + bias: the
    /// ReLU runs in the chosen algorithm's store where it has one (every standard algorithm),
    /// else as a pass over `output`. With `prepared` (an inference layer's), the weights'
    /// arrangement for the chosen algorithm is kept there and remade only after they are written.
    public func forward(
        input: DeviceBuffer<Float>, weight: DeviceBuffer<Float>, bias: DeviceBuffer<Float>?,
        output: DeviceBuffer<Float>, geometry g: ConvGeometry, rectify: Bool, prepared: PreparedWeights? = nil
    ) throws {
        guard rectify || prepared != nil else {
            try forward(input: input, weight: weight, bias: bias, output: output, geometry: g)
            return
        }
        try resources.requireForward(input: input, weight: weight, bias: bias, output: output, g)
        WorkLedger.record(context, product: ConvolutionShapes.product(g, .forward), convolution: g, pass: .forward)
        let chosen = try algorithm(for: g, .forward)
        if let rectifying = chosen as? RectifyingConvolutionAlgorithm {
            try rectifying.forward(input: input, weight: weight, bias: bias, output: output, geometry: g, rectify: rectify, prepared: prepared)
        } else {
            try chosen.forward(input: input, weight: weight, bias: bias, output: output, geometry: g)
            if rectify { try Activation.reluInPlace(output, count: g.outputShape.reduce(1, *), context: context) }
        }
    }
}
