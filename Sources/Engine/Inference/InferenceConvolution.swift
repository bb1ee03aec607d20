import OpenCLKit

/// Conv2D, then optionally BatchNorm, ReLU and max pooling, as one inference-only op: the
/// BatchNorm is folded into the convolution's weights and bias (`BatchNormFolding`), the ReLU
/// applied in the convolution's store, and the pool run on the result. A max pooling before
/// the convolution may be taken in too: the direct kernels pool as they pad their input. What the inference
/// rewrite (`InferenceFusion`) puts in place of such a chain; training keeps the plain ops.
///
/// The folded weights, and their arrangement for the chosen algorithm's kernels, are kept
/// between passes and made again only after a write to a buffer they come from (see
/// `FoldedParameters`, `PreparedWeights`): a repeated pass runs no fold and no packing.
public final class InferenceConvolution: Layer {
    /// The parts, e.g. `MaxPool2D+Conv2D+BatchNorm+ReLU` or `Conv2D+BatchNorm+ReLU+MaxPool2D`.
    public let kind: String
    /// The convolution; its parameters are read, never written.
    public let conv: Conv2D
    /// The normalisation folded into the convolution, if any.
    public let norm: BatchNorm?
    /// Whether a ReLU follows (the normalisation, or the convolution).
    public let relu: Bool
    /// The max pooling after it, if any.
    public let pool: MaxPool2D?
    /// The max pooling of the input before it, if any.
    public let inputPool: MaxPool2D?
    /// W' and b', when a norm is folded in.
    private let folded: FoldedParameters?
    /// The weights (W' or W) as the convolution's kernels read them.
    private let prepared = PreparedWeights()
    /// The kernel that pools as it stores, when the convolution has few input channels; used
    /// for batches whose unpooled output would be large (`PooledStoreConvolution.pays`).
    private let pooledStore: PooledStoreConvolution?

    /// Pool in the store whatever the batch (tests of the kernel on small shapes).
    private let alwaysPoolInStore: Bool

    /// Fuses `conv` with what follows it (and the pooling of its input, `inputPool`); throws
    /// when `norm` does not normalise its filters. `alwaysPoolInStore` uses the pooled store
    /// for every shape and batch it supports, not only where inference picks it.
    public init(
        _ conv: Conv2D, norm: BatchNorm?, relu: Bool, pool: MaxPool2D?, inputPool: MaxPool2D? = nil, alwaysPoolInStore: Bool = false
    ) throws {
        if let norm, norm.channels != conv.filters {
            throw EngineError.shapeMismatch("BatchNorm(\(norm.channels)) cannot follow Conv2D(\(conv.inputChannels) -> \(conv.filters))")
        }
        self.conv = conv
        self.norm = norm
        self.relu = relu
        self.pool = pool
        self.inputPool = inputPool
        self.alwaysPoolInStore = alwaysPoolInStore
        folded = try norm.map {
            try FoldedParameters($0, rows: conv.filters, columns: conv.weight.value.count / conv.filters, context: conv.weight.value.context)
        }
        kind = ([inputPool?.kind, conv.kind, norm?.kind, relu ? "ReLU" : nil, pool?.kind].compactMap { $0 }).joined(separator: "+")
        pooledStore = try pool.flatMap { pool in
            let wanted = alwaysPoolInStore ? PooledStoreConvolution.supports(conv, pool: pool) : PooledStoreConvolution.chosen(conv, pool: pool)
            guard inputPool == nil, wanted else { return nil }
            return try PooledStoreConvolution(conv.weight.value.context, conv: conv)
        }
    }

    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        let convolved = try conv.outputShape(for: try inputPool?.outputShape(for: inputShape) ?? inputShape)
        return try pool?.outputShape(for: convolved) ?? convolved
    }

    /// Inference only: training needs the unfolded ops and what they save for backward.
    public func forward(_ input: Tensor, mode: Mode) throws -> Tensor {
        guard mode == .inference else { throw InferenceOnly.trainingForward(kind) }
        let pooling = try inputPool?.geometry(for: input.shape)
        let g = try conv.geometry(for: pooling?.outputShape ?? input.shape)
        var weight = conv.weight.value.buffer
        var bias = conv.bias.value.buffer
        if let folded { (weight, bias) = try folded.current(weight: weight, bias: bias) }
        if let pooledStore, alwaysPoolInStore || PooledStoreConvolution.pays(for: g) {
            let output = try Tensor(input.context, shape: try outputShape(for: input.shape))
            try pooledStore.forward(input: input.buffer, weight: weight, bias: bias, output: output.buffer, geometry: g, rectify: relu)
            return output
        }
        let output = try Tensor(input.context, shape: g.outputShape)
        let pooledAsRead = try pooling.map {
            try conv.convolution.forwardPoolingInput(
                $0, input: input.buffer, weight: weight, bias: bias, output: output.buffer, geometry: g, rectify: relu, prepared: prepared)
        } ?? false
        if !pooledAsRead {
            let source = try inputPool.map { try $0.pool(input, keepArgmax: false).output } ?? input
            try conv.convolution.forward(
                input: source.buffer, weight: weight, bias: bias, output: output.buffer, geometry: g, rectify: relu, prepared: prepared)
        }
        guard let pool else { return output }
        return try pool.pool(output, keepArgmax: false).output
    }

    public func backward(_ outputGradient: Tensor) throws -> Tensor { throw InferenceOnly.backward(kind) }

    /// How often the kept weights were remade so far: folds, and arrangements for the kernels.
    public var weightPreparations: (folds: Int, arrangements: Int) { (folded?.folds ?? 0, prepared.preparations) }
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
