import OpenCLKit

/// Dense, then optionally BatchNorm and ReLU, as one inference-only op: the BatchNorm folded
/// into the weights and bias, the ReLU applied in the product's store. Like
/// `InferenceConvolution`, it keeps the folded and packed weights until a source is written.
public final class InferenceDense: Layer {
    /// The parts, e.g. `Dense+BatchNorm+ReLU`.
    public let kind: String
    /// The dense layer; its parameters are read, never written.
    public let dense: Dense
    /// The normalisation folded into it, if any.
    public let norm: BatchNorm?
    /// Whether a ReLU follows.
    public let relu: Bool
    private let folded: FoldedParameters?
    /// The weights (W' or W) packed as the product's B operand.
    private let prepared = PreparedWeights()

    /// Fuses `dense` with what follows it; throws when `norm` does not normalise its outputs.
    public init(_ dense: Dense, norm: BatchNorm?, relu: Bool) throws {
        if let norm, norm.channels != dense.outputFeatures {
            throw EngineError.shapeMismatch(
                "BatchNorm(\(norm.channels)) cannot follow Dense(\(dense.inputFeatures) -> \(dense.outputFeatures))")
        }
        self.dense = dense
        self.norm = norm
        self.relu = relu
        folded = try norm.map {
            try FoldedParameters($0, rows: dense.outputFeatures, columns: dense.inputFeatures, context: dense.weight.value.context)
        }
        kind = ([dense.kind] + [norm?.kind, relu ? "ReLU" : nil].compactMap { $0 }).joined(separator: "+")
    }

    public func outputShape(for inputShape: [Int]) throws -> [Int] { try dense.outputShape(for: inputShape) }

    /// Inference only: training needs the unfolded ops.
    public func forward(_ input: Tensor, mode: Mode) throws -> Tensor {
        guard mode == .inference else { throw InferenceOnly.trainingForward(kind) }
        let shape = try dense.outputShape(for: input.shape)
        let (inputs, outputs) = (dense.inputFeatures, dense.outputFeatures)
        var weight = dense.weight.value.buffer
        var bias = dense.bias.value.buffer
        if let folded { (weight, bias) = try folded.current(weight: weight, bias: bias) }
        let output = try Tensor(input.context, shape: shape)
        try dense.gemm.multiply(
            m: input.batch, n: outputs, k: inputs, GEMMOperand(input.buffer, leadingDimension: inputs),
            GEMMOperand(weight, leadingDimension: inputs, transposed: true), GEMMOperand(output.buffer, leadingDimension: outputs),
            bias: .perColumn(bias), rectify: relu, preparedB: prepared)
        return output
    }

    public func backward(_ outputGradient: Tensor) throws -> Tensor { throw InferenceOnly.backward(kind) }

    /// How often the kept weights were remade so far: folds, and packings for the product.
    public var weightPreparations: (folds: Int, arrangements: Int) { (folded?.folds ?? 0, prepared.preparations) }
}
