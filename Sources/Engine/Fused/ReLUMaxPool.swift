import OpenCLKit

/// ReLU then max pooling. In training the pooling rectifies as it reads (ReLU and max
/// commute), so the rectified full-size tensor is never written, and windows without a
/// positive value send no gradient back. Inference runs the two steps as the plain ops do.
public final class ReLUMaxPool: Layer {
    public let kind = "ReLUMaxPool"
    /// The pooling applied after the ReLU.
    public let pool: MaxPool2D
    private var saved: (argmax: DeviceBuffer<Int32>, geometry: PoolGeometry, context: ComputeContext)?

    public func releaseSaved() { saved = nil }

    /// Fuses a ReLU with `pool` after it.
    public init(_ pool: MaxPool2D) { self.pool = pool }

    public func outputShape(for inputShape: [Int]) throws -> [Int] { try pool.outputShape(for: inputShape) }

    public func forward(_ input: Tensor, mode: Mode) throws -> Tensor {
        guard mode == .training else {
            saved = nil
            return try pool.pool(try Activation.reluForward(input), keepArgmax: false).output
        }
        let pooled = try pool.pool(input, keepArgmax: true, rectify: true)
        saved = pooled.argmax.map { ($0, pooled.geometry, input.context) }
        return pooled.output
    }

    public func backward(_ outputGradient: Tensor) throws -> Tensor {
        guard let (argmax, g, context) = saved else { throw Pointwise.missingForward(kind) }
        return try pool.routeGradient(outputGradient, argmax: argmax, geometry: g, context: context)
    }
}
