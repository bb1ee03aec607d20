/// [N, d1, d2, ...] -> [N, d1 * d2 * ...]; shares the buffer (no copy) both ways.
public final class Flatten: Layer {
    public let kind = "Flatten"
    private var savedInputShape: [Int]?

    /// A flatten layer (it needs no device).
    public init() {}

    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        guard let batch = inputShape.first, inputShape.count >= 2 else {
            throw EngineError.shapeMismatch("Flatten expects input [N, ...] with at least two dimensions, got \(inputShape)")
        }
        return [batch, inputShape.dropFirst().reduce(1, *)]
    }

    public func forward(_ input: Tensor, mode: Mode) throws -> Tensor {
        let output = try input.reshaped(outputShape(for: input.shape))
        savedInputShape = input.shape
        return output
    }

    public func backward(_ outputGradient: Tensor) throws -> Tensor {
        guard let inputShape = savedInputShape else {
            throw EngineError.invalidConfiguration("Flatten.backward needs a forward pass first")
        }
        return try outputGradient.reshaped(inputShape)
    }
}
