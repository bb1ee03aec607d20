import OpenCLKit

/// max(x, 0), for any shape.
public final class ReLU: Layer {
    public let context: ComputeContext
    public var kind: String { "ReLU" }
    private var input: Tensor?

    public func releaseSaved() { input = nil }

    /// A layer on `context`; it has no parameters.
    public init(_ context: ComputeContext) { self.context = context }

    public func outputShape(for inputShape: [Int]) throws -> [Int] { inputShape }

    public func forward(_ input: Tensor, mode: Mode) throws -> Tensor {
        self.input = mode == .training ? input : nil
        return try Activation.reluForward(input)
    }

    public func backward(_ outputGradient: Tensor) throws -> Tensor {
        guard let input else { throw Pointwise.missingForward(kind) }
        return try Activation.reluBackward(input: input, outputGradient: outputGradient)
    }
}

/// x for x > 0, slope * x otherwise, for any shape.
public final class LeakyReLU: Layer {
    public let context: ComputeContext
    /// The gradient for negative inputs (PyTorch's `negative_slope`).
    public let slope: Float
    public var kind: String { "LeakyReLU" }
    private var input: Tensor?

    public func releaseSaved() { input = nil }

    /// A layer with the given negative slope (PyTorch's default 0.01); throws for a non-finite slope.
    public init(_ context: ComputeContext, slope: Float = 0.01) throws {
        guard slope.isFinite else {
            throw EngineError.invalidConfiguration("LeakyReLU slope must be a finite number, got \(slope)")
        }
        self.context = context
        self.slope = slope
    }

    public func outputShape(for inputShape: [Int]) throws -> [Int] { inputShape }

    public func forward(_ input: Tensor, mode: Mode) throws -> Tensor {
        self.input = mode == .training ? input : nil
        return try Activation.leakyReLUForward(input, slope: slope)
    }

    public func backward(_ outputGradient: Tensor) throws -> Tensor {
        guard let input else { throw Pointwise.missingForward(kind) }
        return try Activation.leakyReLUBackward(input: input, outputGradient: outputGradient, slope: slope)
    }
}

/// 1 / (1 + exp(-x)), for any shape.
public final class Sigmoid: Layer {
    public let context: ComputeContext
    public var kind: String { "Sigmoid" }
    private var output: Tensor?

    public func releaseSaved() { output = nil }

    /// A layer on `context`; it has no parameters.
    public init(_ context: ComputeContext) { self.context = context }

    public func outputShape(for inputShape: [Int]) throws -> [Int] { inputShape }

    public func forward(_ input: Tensor, mode: Mode) throws -> Tensor {
        let y = try Activation.sigmoidForward(input)
        output = mode == .training ? y : nil
        return y
    }

    public func backward(_ outputGradient: Tensor) throws -> Tensor {
        guard let output else { throw Pointwise.missingForward(kind) }
        return try Activation.sigmoidBackward(output: output, outputGradient: outputGradient)
    }
}

/// tanh(x), for any shape.
public final class Tanh: Layer {
    public let context: ComputeContext
    public var kind: String { "Tanh" }
    private var output: Tensor?

    public func releaseSaved() { output = nil }

    /// A layer on `context`; it has no parameters.
    public init(_ context: ComputeContext) { self.context = context }

    public func outputShape(for inputShape: [Int]) throws -> [Int] { inputShape }

    public func forward(_ input: Tensor, mode: Mode) throws -> Tensor {
        let y = try Activation.tanhForward(input)
        output = mode == .training ? y : nil
        return y
    }

    public func backward(_ outputGradient: Tensor) throws -> Tensor {
        guard let output else { throw Pointwise.missingForward(kind) }
        return try Activation.tanhBackward(output: output, outputGradient: outputGradient)
    }
}

/// Softmax over the last dimension: turns logits `[N, C]` into class probabilities.
public final class Softmax: Layer {
    public let context: ComputeContext
    public var kind: String { "Softmax" }
    private var output: Tensor?

    public func releaseSaved() { output = nil }

    /// A layer on `context`; it has no parameters.
    public init(_ context: ComputeContext) { self.context = context }

    public func outputShape(for inputShape: [Int]) throws -> [Int] {
        guard let last = inputShape.last, last > 0 else {
            throw EngineError.shapeMismatch("Softmax needs a non-empty last dimension, got shape \(inputShape)")
        }
        return inputShape
    }

    public func forward(_ input: Tensor, mode: Mode) throws -> Tensor {
        let y = try Activation.softmaxForward(input)
        output = mode == .training ? y : nil
        return y
    }

    public func backward(_ outputGradient: Tensor) throws -> Tensor {
        guard let output else { throw Pointwise.missingForward(kind) }
        return try Activation.softmaxBackward(output: output, outputGradient: outputGradient)
    }
}
