import OpenCLKit

/// Conv2D, then optionally BatchNorm, ReLU and max pooling, as one inference-only op: the
/// BatchNorm is folded into the convolution's weights and bias (`BatchNormFolding`), the ReLU
/// applied in the convolution's store, and the pool run on the result. What the inference
/// rewrite (`InferenceFusion`) puts in place of such a chain; training keeps the plain ops.
///
/// The folded weights are recomputed from the current parameters and running statistics on
/// every forward pass (one small kernel), so they can never be stale, whatever changed them.
public final class InferenceConvolution: Layer {
    /// The parts, e.g. `Conv2D+BatchNorm+ReLU+MaxPool2D`.
    public let kind: String
    /// The convolution; its parameters are read, never written.
    public let conv: Conv2D
    /// The normalisation folded into the convolution, if any.
    public let norm: BatchNorm?
    /// Whether a ReLU follows (the normalisation, or the convolution).
    public let relu: Bool
    /// The max pooling after it, if any.
    public let pool: MaxPool2D?
    private let folding: BatchNormFolding?
    /// W' and b', allocated on first use and rewritten every pass.
    private var folded: (weight: DeviceBuffer<Float>, bias: DeviceBuffer<Float>)?

    /// Fuses `conv` with what follows it; throws when `norm` does not normalise its filters.
    public init(_ conv: Conv2D, norm: BatchNorm?, relu: Bool, pool: MaxPool2D?) throws {
        if let norm, norm.channels != conv.filters {
            throw EngineError.shapeMismatch("BatchNorm(\(norm.channels)) cannot follow Conv2D(\(conv.inputChannels) -> \(conv.filters))")
        }
        self.conv = conv
        self.norm = norm
        self.relu = relu
        self.pool = pool
        folding = try norm.map { _ in try BatchNormFolding(conv.weight.value.context) }
        kind = ([conv.kind] + [norm?.kind, relu ? "ReLU" : nil, pool?.kind].compactMap { $0 }).joined(separator: "+")
    }

    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        let convolved = try conv.outputShape(for: inputShape)
        return try pool?.outputShape(for: convolved) ?? convolved
    }

    /// Inference only: training needs the unfolded ops and what they save for backward.
    public func forward(_ input: Tensor, mode: Mode) throws -> Tensor {
        guard mode == .inference else { throw InferenceOnly.trainingForward(kind) }
        let g = try conv.geometry(for: input.shape)
        var weight = conv.weight.value.buffer
        var bias = conv.bias.value.buffer
        if let norm, let folding {
            let buffers = try folded ?? (weight: DeviceBuffer<Float>(input.context, count: weight.count),
                                         bias: DeviceBuffer<Float>(input.context, count: conv.filters))
            folded = buffers
            try folding.fold(weight: weight, bias: bias, rows: conv.filters, columns: g.patchSize, norm: norm,
                             intoWeight: buffers.weight, bias: buffers.bias)
            (weight, bias) = buffers
        }
        let output = try Tensor(input.context, shape: g.outputShape)
        try conv.convolution.forward(input: input.buffer, weight: weight, bias: bias, output: output.buffer, geometry: g, rectify: relu)
        guard let pool else { return output }
        return try pool.pool(output, keepArgmax: false).output
    }

    public func backward(_ outputGradient: Tensor) throws -> Tensor { throw InferenceOnly.backward(kind) }
}

/// Why an inference-only op refuses what training asks of it.
enum InferenceOnly {
    static func trainingForward(_ kind: String) -> EngineError {
        .invalidConfiguration("\(kind) is an inference-only op with folded weights; train the unfolded graph (Graph), not InferenceGraph")
    }

    static func backward(_ kind: String) -> EngineError {
        .invalidConfiguration("\(kind) is an inference-only op and has no backward pass; differentiate the unfolded graph (Graph)")
    }
}
