import OpenCLKit

/// Mean over each channel's plane: [N, C, H, W] -> [N, C].
public final class GlobalAvgPool: Layer {
    public let kind = "GlobalAvgPool"
    private let pooling: Pooling
    private var savedInputShape: [Int]?
    private let context: ComputeContext

    /// A global average pool on `context`.
    public init(_ context: ComputeContext) throws {
        self.context = context
        pooling = try Pooling(context)
    }

    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        guard inputShape.count == 4, inputShape.allSatisfy({ $0 >= 1 }) else {
            throw EngineError.shapeMismatch("GlobalAvgPool expects input [N, C, H, W] with positive sizes, got \(inputShape)")
        }
        return [inputShape[0], inputShape[1]]
    }

    public func forward(_ input: Tensor, mode: Mode) throws -> Tensor {
        let shape = try outputShape(for: input.shape)
        let output = try Tensor(input.context, shape: shape)
        try pooling.globalAverageForward(input: input.buffer, output: output.buffer, planes: shape[0] * shape[1], pixels: input.shape[2] * input.shape[3])
        savedInputShape = mode == .training ? input.shape : nil
        return output
    }

    public func backward(_ outputGradient: Tensor) throws -> Tensor {
        guard let inputShape = savedInputShape else {
            throw EngineError.invalidConfiguration("GlobalAvgPool.backward needs a forward pass in training mode first")
        }
        guard outputGradient.shape == [inputShape[0], inputShape[1]] else {
            throw EngineError.shapeMismatch("GlobalAvgPool.backward got gradient \(outputGradient.shape), expected \([inputShape[0], inputShape[1]])")
        }
        let inputGradient = try Tensor(context, shape: inputShape)
        try pooling.globalAverageBackward(
            outputGradient: outputGradient.buffer, inputGradient: inputGradient.buffer,
            planes: inputShape[0] * inputShape[1], pixels: inputShape[2] * inputShape[3])
        return inputGradient
    }
}
