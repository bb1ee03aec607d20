import OpenCLKit

/// Average pooling over square windows (`valid`, floor): [N, C, H, W] -> [N, C, OH, OW].
public final class AvgPool2D: Layer {
    public let kind = "AvgPool2D"
    public let size: Int
    public let stride: Int
    private let pooling: Pooling
    private var saved: (geometry: PoolGeometry, context: ComputeContext)?

    /// A `size` x `size` window moved by `stride` (default: `size`, no overlap).
    public init(_ context: ComputeContext, size: Int, stride: Int? = nil) throws {
        self.size = size
        self.stride = stride ?? size
        guard size >= 1, self.stride >= 1 else {
            throw EngineError.invalidConfiguration("AvgPool2D needs a positive size and stride, got \(size) and \(self.stride)")
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
        try pooling.averageForward(input: input.buffer, output: output.buffer, geometry: g)
        saved = mode == .training ? (g, input.context) : nil
        return output
    }

    public func backward(_ outputGradient: Tensor) throws -> Tensor {
        guard let (g, context) = saved else {
            throw EngineError.invalidConfiguration("AvgPool2D.backward needs a forward pass in training mode first")
        }
        guard outputGradient.shape == g.outputShape else {
            throw EngineError.shapeMismatch("AvgPool2D.backward got gradient \(outputGradient.shape), expected \(g.outputShape)")
        }
        let inputGradient = try Tensor(context, shape: g.inputShape)
        try pooling.averageBackward(outputGradient: outputGradient.buffer, inputGradient: inputGradient.buffer, geometry: g)
        return inputGradient
    }
}
