import OpenCLKit

/// Inverted dropout: in training, zeroes each element with probability `rate` and scales the
/// rest by 1 / (1 - rate); in inference, passes the input through unchanged.
///
/// Masks come from a hash of (seed, step, element index) computed on the device. `step`
/// counts training forwards; saving and restoring it with a checkpoint makes a resumed run
/// draw exactly the masks an uninterrupted run would have drawn.
public final class Dropout: Layer {
    public let context: ComputeContext
    /// Probability of dropping an element, in [0, 1).
    public let rate: Float
    /// Selects the mask sequence; the same seed gives the same masks.
    public let seed: UInt64
    /// The counter the next training forward draws its mask with; advances by one per call.
    public var step: UInt64 = 0
    /// When false, training forwards keep reusing the current step's mask (for gradient checks).
    public var advancesStep = true
    public var kind: String { "Dropout" }
    private var lastStep: UInt64?

    /// Throws unless 0 <= rate < 1. `step` starts at 0.
    public init(_ context: ComputeContext, rate: Float = 0.5, seed: UInt64) throws {
        try DropoutOps.validate(rate: rate)
        self.context = context
        self.rate = rate
        self.seed = seed
    }

    public func outputShape(for inputShape: [Int]) throws -> [Int] { inputShape }

    public func forward(_ input: Tensor, mode: Mode) throws -> Tensor {
        guard mode == .training else {
            lastStep = nil
            return input
        }
        let output = try DropoutOps.forward(input, rate: rate, seed: seed, step: step)
        lastStep = step
        if advancesStep { step &+= 1 }
        return output
    }

    public func backward(_ outputGradient: Tensor) throws -> Tensor {
        guard let lastStep else { throw Pointwise.missingForward(kind) }
        return try DropoutOps.backward(outputGradient, rate: rate, seed: seed, step: lastStep)
    }
}
