import OpenCLKit

/// Max pooling over square windows (`valid`, floor): [N, C, H, W] -> [N, C, OH, OW].
/// Backward routes each gradient to its window's maximum (the first one on ties).
public final class MaxPool2D: Layer {
    public let kind = "MaxPool2D"
    public let size: Int
    public let stride: Int
    private let pooling: Pooling
    private var saved: (argmax: DeviceBuffer<Int32>, geometry: PoolGeometry, context: ComputeContext)?
    /// The ReLU right before this layer when `Sequential` fused the two for training: when that
    /// ReLU handed its input through unchanged, this layer applies it (see pool.cl).
    weak var precedingReLU: ReLU?
    /// The BatchNorm before this layer (maybe through its fused ReLU) when `Sequential` let
    /// this layer normalise as it reads: when that BatchNorm handed its input through, this
    /// layer applies its per-channel map, and its ReLU if fused.
    weak var precedingBatchNorm: BatchNorm?
    /// True when the last forward normalised for `precedingBatchNorm` with windows that let
    /// that layer's backward read this layer's output gradient and argmax directly: backward
    /// then hands the gradient through and the BatchNorm routes it (see POOLED_GRADIENT).
    public private(set) var routesGradientToBatchNorm = false

    /// The argmax of the last training forward.
    var lastArgmax: DeviceBuffer<Int32>? { saved?.argmax }

    /// A `size` x `size` window moved by `stride` (default: `size`, no overlap).
    public init(_ context: ComputeContext, size: Int, stride: Int? = nil) throws {
        self.size = size
        self.stride = stride ?? size
        guard size >= 1, self.stride >= 1 else {
            throw EngineError.invalidConfiguration("MaxPool2D needs a positive size and stride, got \(size) and \(self.stride)")
        }
        pooling = try Pooling(context)
    }

    /// The pooling sizes for an input shape; throws when it is not [N, C, H, W] or the window does not fit.
    public func geometry(for inputShape: [Int]) throws -> PoolGeometry {
        try poolGeometry(kind, inputShape, size: size, stride: stride)
    }

    public func outputShape(for inputShape: [Int]) throws -> [Int] { try geometry(for: inputShape).outputShape }

    public func forward(_ input: Tensor, mode: Mode) throws -> Tensor {
        let g = try geometry(for: input.shape)
        let output = try Tensor(input.context, shape: g.outputShape)
        let argmax = mode == .training ? try DeviceBuffer<Int32>(input.context, count: output.count) : nil
        var rectify = precedingReLU?.skippedLastForward ?? false
        var affine: Pooling.ChannelAffine?
        routesGradientToBatchNorm = false
        if let norm = precedingBatchNorm, norm.skippedLastNormalize, let statistics = norm.lastStatistics {
            affine = Pooling.ChannelAffine(scale: statistics.scale.buffer, shift: statistics.shift.buffer)
            rectify = rectify || norm.fusedReLU
            routesGradientToBatchNorm = Normalization.PooledGradient.supports(size: size, stride: stride, inputShape: input.shape)
        }
        try pooling.maxForward(
            input: input.buffer, output: output.buffer, argmax: argmax, geometry: g, rectify: rectify, affine: affine)
        saved = argmax.map { ($0, g, input.context) }
        return output
    }

    public func backward(_ outputGradient: Tensor) throws -> Tensor {
        guard let (argmax, g, context) = saved else {
            throw EngineError.invalidConfiguration("MaxPool2D.backward needs a forward pass in training mode first")
        }
        guard outputGradient.shape == g.outputShape else {
            throw EngineError.shapeMismatch("MaxPool2D.backward got gradient \(outputGradient.shape), expected \(g.outputShape)")
        }
        if routesGradientToBatchNorm { return outputGradient }
        let inputGradient = try Tensor(context, shape: g.inputShape)
        try pooling.maxBackward(outputGradient: outputGradient.buffer, argmax: argmax, inputGradient: inputGradient.buffer, geometry: g)
        return inputGradient
    }
}

/// Pool geometry for a layer's input, or an error naming the layer.
func poolGeometry(_ kind: String, _ inputShape: [Int], size: Int, stride: Int) throws -> PoolGeometry {
    guard inputShape.count == 4 else {
        throw EngineError.shapeMismatch("\(kind) expects input [N, C, H, W], got \(inputShape)")
    }
    do {
        return try PoolGeometry(batch: inputShape[0], channels: inputShape[1], height: inputShape[2], width: inputShape[3], size: size, stride: stride)
    } catch let error as EngineError {
        throw EngineError.shapeMismatch("\(kind) on input \(inputShape): \(error)")
    }
}
