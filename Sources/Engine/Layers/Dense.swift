import OpenCLKit

/// Fully connected layer: y = x Wᵀ + b, with x [N, in], W [out, in] (PyTorch layout), b [out].
public final class Dense: Layer {
    public let kind = "Dense"
    public let inputFeatures: Int
    public let outputFeatures: Int
    /// [outputFeatures, inputFeatures].
    public let weight: Parameter
    /// [outputFeatures].
    public let bias: Parameter
    public var parameters: [Parameter] { [weight, bias] }
    /// The products it runs on (shared with its inference form, `InferenceDense`).
    let gemm: GEMM
    private var savedInput: Tensor?

    public func releaseSaved() { savedInput = nil }

    /// Weights from `initializer` (fan-in = inputFeatures, fan-out = outputFeatures); zero bias.
    public init(
        _ context: ComputeContext, inputFeatures: Int, outputFeatures: Int, rng: inout SeededGenerator,
        initializer: Initializer = .heNormal
    ) throws {
        guard inputFeatures >= 1, outputFeatures >= 1 else {
            throw EngineError.invalidConfiguration("Dense needs positive feature counts, got \(inputFeatures) -> \(outputFeatures)")
        }
        self.inputFeatures = inputFeatures
        self.outputFeatures = outputFeatures
        gemm = try GEMM(context)
        weight = try Parameter(
            name: "weight",
            value: initializer.tensor(context, shape: [outputFeatures, inputFeatures], fanIn: inputFeatures, fanOut: outputFeatures, rng: &rng),
            decays: true)
        bias = try Parameter(name: "bias", value: Tensor.zeros(context, shape: [outputFeatures]), decays: false)
    }

    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        guard inputShape.count == 2, inputShape[1] == inputFeatures else {
            throw EngineError.shapeMismatch(
                "Dense(\(inputFeatures) -> \(outputFeatures)) expects input [N, \(inputFeatures)], got \(inputShape); put a Flatten before it for images")
        }
        return [inputShape[0], outputFeatures]
    }

    public func forward(_ input: Tensor, mode: Mode) throws -> Tensor {
        let shape = try outputShape(for: input.shape)
        let output = try Tensor(input.context, shape: shape)
        try gemm.multiply(
            m: input.batch, n: outputFeatures, k: inputFeatures,
            GEMMOperand(input.buffer, leadingDimension: inputFeatures),
            GEMMOperand(weight.value.buffer, leadingDimension: inputFeatures, transposed: true),
            GEMMOperand(output.buffer, leadingDimension: outputFeatures), bias: .perColumn(bias.value.buffer))
        savedInput = mode == .training ? input : nil
        return output
    }

    public func backward(_ outputGradient: Tensor) throws -> Tensor {
        guard let input = savedInput else {
            throw EngineError.invalidConfiguration("Dense.backward needs a forward pass in training mode first")
        }
        guard outputGradient.shape == [input.batch, outputFeatures] else {
            throw EngineError.shapeMismatch("Dense.backward got gradient \(outputGradient.shape), expected \([input.batch, outputFeatures])")
        }
        let n = input.batch
        // dW = dYᵀ X, db = column sums of dY, dX = dY W.
        try gemm.multiply(
            m: outputFeatures, n: inputFeatures, k: n,
            GEMMOperand(outputGradient.buffer, leadingDimension: outputFeatures, transposed: true),
            GEMMOperand(input.buffer, leadingDimension: inputFeatures),
            GEMMOperand(weight.gradient.buffer, leadingDimension: inputFeatures))
        try gemm.sumColumns(rows: n, columns: outputFeatures, outputGradient.buffer, leadingDimension: outputFeatures, into: bias.gradient.buffer)
        let inputGradient = try Tensor(input.context, shape: input.shape)
        try gemm.multiply(
            m: n, n: inputFeatures, k: outputFeatures,
            GEMMOperand(outputGradient.buffer, leadingDimension: outputFeatures),
            GEMMOperand(weight.value.buffer, leadingDimension: inputFeatures),
            GEMMOperand(inputGradient.buffer, leadingDimension: inputFeatures))
        return inputGradient
    }
}
