import OpenCLKit

/// Dense, then optionally BatchNorm and ReLU, as one inference-only op: the BatchNorm folded
/// into the weights and bias, the ReLU applied in the product's store. Like
/// `InferenceConvolution`, it refolds from the current parameters on every pass.
public final class InferenceDense: Layer {
    /// The parts, e.g. `Dense+BatchNorm+ReLU`.
    public let kind: String
    /// The dense layer; its parameters are read, never written.
    public let dense: Dense
    /// The normalisation folded into it, if any.
    public let norm: BatchNorm?
    /// Whether a ReLU follows.
    public let relu: Bool
    private let folding: BatchNormFolding?
    private var folded: (weight: DeviceBuffer<Float>, bias: DeviceBuffer<Float>)?

    /// Fuses `dense` with what follows it; throws when `norm` does not normalise its outputs.
    public init(_ dense: Dense, norm: BatchNorm?, relu: Bool) throws {
        if let norm, norm.channels != dense.outputFeatures {
            throw EngineError.shapeMismatch(
                "BatchNorm(\(norm.channels)) cannot follow Dense(\(dense.inputFeatures) -> \(dense.outputFeatures))")
        }
        self.dense = dense
        self.norm = norm
        self.relu = relu
        folding = try norm.map { _ in try BatchNormFolding(dense.weight.value.context) }
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
        if let norm, let folding {
            let buffers = try folded ?? (weight: DeviceBuffer<Float>(input.context, count: weight.count),
                                         bias: DeviceBuffer<Float>(input.context, count: outputs))
            folded = buffers
            try folding.fold(weight: weight, bias: bias, rows: outputs, columns: inputs, norm: norm,
                             intoWeight: buffers.weight, bias: buffers.bias)
            (weight, bias) = buffers
        }
        let output = try Tensor(input.context, shape: shape)
        try dense.gemm.multiply(
            m: input.batch, n: outputs, k: inputs, GEMMOperand(input.buffer, leadingDimension: inputs),
            GEMMOperand(weight, leadingDimension: inputs, transposed: true), GEMMOperand(output.buffer, leadingDimension: outputs),
            bias: .perColumn(bias), rectify: relu)
        return output
    }

    public func backward(_ outputGradient: Tensor) throws -> Tensor { throw InferenceOnly.backward(kind) }
}
