import OpenCLKit

/// 2-D convolution with bias: x [N, C, H, W] -> [N, F, OH, OW]; weight [F, C, k, k]
/// (PyTorch layout), bias [F]; square kernel, equal strides, `valid` or TensorFlow `same` padding.
public final class Conv2D: Layer {
    public let kind = "Conv2D"
    public let inputChannels: Int
    public let filters: Int
    public let kernelSize: Int
    public let stride: Int
    public let padding: Padding
    /// [filters, inputChannels, kernelSize, kernelSize].
    public let weight: Parameter
    /// [filters].
    public let bias: Parameter
    public var parameters: [Parameter] { [weight, bias] }
    /// The algorithms it runs on (shared with its inference form, `InferenceConvolution`).
    let convolution: Convolution
    private var saved: (input: Tensor, geometry: ConvGeometry)?

    public func releaseSaved() { saved = nil }

    /// Weights from `initializer` (fan-in = C * k * k, fan-out = F * k * k); zero bias.
    public init(
        _ context: ComputeContext, inputChannels: Int, filters: Int, kernelSize: Int, stride: Int = 1,
        padding: Padding = .same, rng: inout SeededGenerator, initializer: Initializer = .heNormal
    ) throws {
        guard inputChannels >= 1, filters >= 1, kernelSize >= 1, stride >= 1 else {
            throw EngineError.invalidConfiguration(
                "Conv2D needs positive sizes, got channels \(inputChannels), filters \(filters), kernel \(kernelSize), stride \(stride)")
        }
        self.inputChannels = inputChannels
        self.filters = filters
        self.kernelSize = kernelSize
        self.stride = stride
        self.padding = padding
        convolution = try Convolution(context)
        let area = kernelSize * kernelSize
        weight = try Parameter(
            name: "weight",
            value: initializer.tensor(
                context, shape: [filters, inputChannels, kernelSize, kernelSize], fanIn: inputChannels * area, fanOut: filters * area, rng: &rng),
            decays: true)
        bias = try Parameter(name: "bias", value: Tensor.zeros(context, shape: [filters]), decays: false)
    }

    /// The convolution sizes for an input shape; throws when it is not [N, inputChannels, H, W].
    public func geometry(for inputShape: [Int]) throws -> ConvGeometry {
        guard inputShape.count == 4, inputShape[1] == inputChannels else {
            throw EngineError.shapeMismatch("Conv2D(\(inputChannels) -> \(filters)) expects input [N, \(inputChannels), H, W], got \(inputShape)")
        }
        return try ConvGeometry(
            batch: inputShape[0], inChannels: inputChannels, height: inputShape[2], width: inputShape[3], filters: filters,
            kernelHeight: kernelSize, kernelWidth: kernelSize, stride: stride, padding: padding)
    }

    public func outputShape(for inputShape: [Int]) throws -> [Int] { try geometry(for: inputShape).outputShape }

    public func forward(_ input: Tensor, mode: Mode) throws -> Tensor {
        let g = try geometry(for: input.shape)
        let output = try Tensor(input.context, shape: g.outputShape)
        try convolution.forward(input: input.buffer, weight: weight.value.buffer, bias: bias.value.buffer, output: output.buffer, geometry: g)
        saved = mode == .training ? (input, g) : nil
        return output
    }

    public func backward(_ outputGradient: Tensor) throws -> Tensor {
        let (input, g) = try savedForBackward(outputGradient)
        let inputGradient = try Tensor(input.context, shape: input.shape)
        try convolution.backward(
            input: input.buffer, outputGradient: outputGradient.buffer, weight: weight.value.buffer, inputGradient: inputGradient.buffer,
            weightGradient: weight.gradient.buffer, biasGradient: bias.gradient.buffer, geometry: g)
        return inputGradient
    }

    /// Skips the input gradient: for a first layer that is a whole transposed convolution saved.
    public func backwardParameters(_ outputGradient: Tensor) throws {
        let (input, g) = try savedForBackward(outputGradient)
        try convolution.backward(
            input: input.buffer, outputGradient: outputGradient.buffer, weight: weight.value.buffer, inputGradient: nil,
            weightGradient: weight.gradient.buffer, biasGradient: bias.gradient.buffer, geometry: g)
    }

    private func savedForBackward(_ outputGradient: Tensor) throws -> (Tensor, ConvGeometry) {
        guard let (input, g) = saved else {
            throw EngineError.invalidConfiguration("Conv2D.backward needs a forward pass in training mode first")
        }
        guard outputGradient.shape == g.outputShape else {
            throw EngineError.shapeMismatch("Conv2D.backward got gradient \(outputGradient.shape), expected \(g.outputShape)")
        }
        return (input, g)
    }
}
