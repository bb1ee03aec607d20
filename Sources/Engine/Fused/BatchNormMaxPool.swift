import OpenCLKit

/// BatchNorm, optionally ReLU, then max pooling. In training the pooling applies the batch
/// norm's per-channel map (and the ReLU) as it reads, so the normalised full-size tensor is
/// never written; for 2 x 2 windows the BatchNorm backward reads the pooled gradient and the
/// argmax itself (POOLED_GRADIENT in norm.cl), so the full-size gradient is not written
/// either. Inference normalises, then pools, as the plain ops do.
public final class BatchNormMaxPool: Layer {
    /// `BatchNormReLUMaxPool` with the ReLU, `BatchNormMaxPool` without.
    public var kind: String { relu ? "BatchNormReLUMaxPool" : "BatchNormMaxPool" }
    /// The normalisation; its parameters and running statistics are this op's.
    public let norm: BatchNorm
    /// Whether a ReLU sits between the normalisation and the pooling.
    public let relu: Bool
    /// The pooling.
    public let pool: MaxPool2D
    public var parameters: [Parameter] { norm.parameters }
    public var buffers: [(name: String, tensor: Tensor)] { norm.buffers }
    private var saved: Saved?

    public func releaseSaved() { saved = nil }

    private struct Saved {
        let input: Tensor
        let statistics: Normalization.Statistics
        let argmax: DeviceBuffer<Int32>
        let geometry: PoolGeometry
        /// True when the BatchNorm backward routes the pooled gradient itself.
        let routed: Bool
    }

    /// Fuses `norm`, a ReLU when `relu`, and `pool`.
    public init(_ norm: BatchNorm, relu: Bool, pool: MaxPool2D) {
        self.norm = norm
        self.relu = relu
        self.pool = pool
    }

    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        try pool.outputShape(for: try norm.outputShape(for: inputShape))
    }

    public func forward(_ input: Tensor, mode: Mode) throws -> Tensor {
        guard mode == .training else {
            saved = nil
            return try pool.pool(try norm.normalize(input, mode: .inference, relu: relu).output, keepArgmax: false).output
        }
        let statistics = try norm.batchStatistics(input)
        let affine = Pooling.ChannelAffine(scale: statistics.scale.buffer, shift: statistics.shift.buffer)
        let pooled = try pool.pool(input, keepArgmax: true, rectify: relu, affine: affine)
        guard let argmax = pooled.argmax else { throw Pointwise.missingForward(kind) }
        let routed = Normalization.PooledGradient.supports(size: pool.size, stride: pool.stride, inputShape: input.shape)
        saved = Saved(input: input, statistics: statistics, argmax: argmax, geometry: pooled.geometry, routed: routed)
        return pooled.output
    }

    /// Needs a training forward: the pooled path keeps no argmax in inference.
    public func backward(_ outputGradient: Tensor) throws -> Tensor {
        guard let saved else { throw Pointwise.missingForward(kind) }
        if saved.routed {
            return try norm.differentiate(
                saved.input, outputGradient, saved.statistics, relu: relu, pooled: Normalization.PooledGradient(argmax: saved.argmax))
        }
        let full = try pool.routeGradient(outputGradient, argmax: saved.argmax, geometry: saved.geometry, context: saved.input.context)
        return try norm.differentiate(saved.input, full, saved.statistics, relu: relu, pooled: nil)
    }
}
