import OpenCLKit

/// Inverted dropout on the device (kernels in `dropout.cl`). The mask is a pure function of
/// (seed, step, element index), so backward and resumed runs recompute it instead of storing it.
public enum DropoutOps {
    /// Elements whose 24-bit hash is below this are dropped: rate * 2^24, rounded.
    public static func threshold(rate: Float) -> UInt32 { UInt32((Double(rate) * 16_777_216).rounded()) }

    /// The factor kept elements are multiplied by, 1 / (1 - rate).
    public static func scale(rate: Float) -> Float { 1 / (1 - rate) }

    /// x * mask / (1 - rate) with the mask of call `step` under `seed`.
    public static func forward(_ x: Tensor, rate: Float, seed: UInt64, step: UInt64) throws -> Tensor {
        try validate(rate: rate)
        let y = try Tensor(x.context, shape: x.shape)
        try apply("dropout_forward", x, y, rate: rate, seed: seed, step: step)
        return y
    }

    /// dy * mask / (1 - rate) with the same mask the forward of `step` used.
    public static func backward(_ dy: Tensor, rate: Float, seed: UInt64, step: UInt64) throws -> Tensor {
        try validate(rate: rate)
        let dx = try Tensor(dy.context, shape: dy.shape)
        try apply("dropout_backward", dy, dx, rate: rate, seed: seed, step: step)
        return dx
    }

    /// Throws unless 0 <= rate < 1.
    public static func validate(rate: Float) throws {
        guard rate >= 0, rate < 1 else {
            throw EngineError.invalidConfiguration("dropout rate must be in [0, 1), got \(rate)")
        }
    }

    private static func apply(_ name: String, _ source: Tensor, _ destination: Tensor, rate: Float, seed: UInt64, step: UInt64) throws {
        let context = source.context
        let n = source.count
        if n == 0 { return }
        try context.launch(
            context.kernel("dropout.cl", name), global: [n], local: [Pointwise.groupSize(context)],
            source.buffer, destination.buffer, seed, step, threshold(rate: rate), scale(rate: rate), n)
    }
}
