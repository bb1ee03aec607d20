import OpenCLKit

/// Max pooling over square windows (`valid`, floor): [N, C, H, W] -> [N, C, OH, OW].
/// Backward routes each gradient to its window's maximum (the first one on ties).
public final class MaxPool2D: Layer {
    public let kind = "MaxPool2D"
    public let size: Int
    public let stride: Int
    private let pooling: Pooling
    private var saved: (argmax: DeviceBuffer<Int32>, geometry: PoolGeometry, context: ComputeContext)?

    public func releaseSaved() { saved = nil }

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
        let pooled = try pool(input, keepArgmax: mode == .training)
        saved = pooled.argmax.map { ($0, pooled.geometry, input.context) }
        return pooled.output
    }

    public func backward(_ outputGradient: Tensor) throws -> Tensor {
        guard let (argmax, g, context) = saved else {
            throw EngineError.invalidConfiguration("MaxPool2D.backward needs a forward pass in training mode first")
        }
        return try routeGradient(outputGradient, argmax: argmax, geometry: g, context: context)
    }

    /// Window maxima of `input`, of ReLU(input) with `rectify`, of the per-channel map `affine`
    /// of it first when given (a batch norm's normalisation); the argmax when asked for.
    func pool(
        _ input: Tensor, keepArgmax: Bool, rectify: Bool = false, affine: Pooling.ChannelAffine? = nil
    ) throws -> (output: Tensor, argmax: DeviceBuffer<Int32>?, geometry: PoolGeometry) {
        let g = try geometry(for: input.shape)
        let output = try Tensor(input.context, shape: g.outputShape)
        let argmax = keepArgmax ? try DeviceBuffer<Int32>(input.context, count: output.count) : nil
        try pooling.maxForward(
            input: input.buffer, output: output.buffer, argmax: argmax, geometry: g, rectify: rectify, affine: affine)
        return (output, argmax, g)
    }

    /// Each output gradient sent to its window's argmax (none where the argmax is -1).
    func routeGradient(_ outputGradient: Tensor, argmax: DeviceBuffer<Int32>, geometry g: PoolGeometry, context: ComputeContext) throws -> Tensor {
        guard outputGradient.shape == g.outputShape else {
            throw EngineError.shapeMismatch("\(kind).backward got gradient \(outputGradient.shape), expected \(g.outputShape)")
        }
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
