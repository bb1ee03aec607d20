/// Whether a forward pass is for training (dropout on, batch statistics) or inference.
public enum Mode: Sendable {
    case training, inference
}

/// One node's computation in a model graph: any number of inputs, one output, a hand-written
/// backward pass. Ops know nothing of their neighbours; `Graph` wires them.
///
/// Shapes include the batch: `[N, C, H, W]` for images, `[N, F]` for features.
public protocol Op: AnyObject {
    /// The op's type as the model summary and architecture files name it, e.g. `Conv2D`.
    var kind: String { get }
    /// Trainable tensors.
    var parameters: [Parameter] { get }
    /// Non-trainable tensors that belong in a checkpoint (e.g. running means).
    var buffers: [(name: String, tensor: Tensor)] { get }
    /// How many inputs the op takes: a fixed count, or at least the lower bound.
    var inputArity: OpArity { get }
    /// Output shape for the input shapes (all with the batch dimension).
    func outputShape(forInputs shapes: [[Int]]) throws -> [Int]
    /// `forward` in training mode keeps what `backward` needs.
    func forward(inputs: [Tensor], mode: Mode) throws -> Tensor
    /// Writes the parameters' gradients (overwriting) and returns one gradient per input.
    /// The returned tensors may be shared between inputs or with `outputGradient`: read them, never write them.
    func backward(inputGradientsFrom outputGradient: Tensor) throws -> [Tensor]
    /// Writes the parameters' gradients only, for an op whose input gradients nobody reads.
    func backwardParameters(_ outputGradient: Tensor) throws
    /// Drops what `forward` kept for `backward`, so its memory goes back to the pool; `Graph`
    /// calls it once a step's backward has run. A later `backward` needs a new forward.
    func releaseSaved()
}

/// The number of inputs an op accepts.
public enum OpArity: Equatable, Sendable {
    case exactly(Int)
    case atLeast(Int)

    /// True when `count` inputs are accepted.
    public func accepts(_ count: Int) -> Bool {
        switch self {
        case let .exactly(n): return count == n
        case let .atLeast(n): return count >= n
        }
    }

    /// "1 input", "at least 2 inputs".
    public var description: String {
        switch self {
        case let .exactly(n): return "\(n) input\(n == 1 ? "" : "s")"
        case let .atLeast(n): return "at least \(n) inputs"
        }
    }
}

extension Op {
    public var parameters: [Parameter] { [] }
    public var buffers: [(name: String, tensor: Tensor)] { [] }
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.value.count } }
    public func backwardParameters(_ outputGradient: Tensor) throws { _ = try backward(inputGradientsFrom: outputGradient) }
    /// Ops that keep only shapes or counts have nothing worth handing back.
    public func releaseSaved() {}
}

/// An op with one input, written against one tensor.
///
/// `forward` in training mode keeps what `backward` needs; `backward` takes the gradient of
/// the loss with respect to the output, writes the parameters' gradients, and returns the
/// gradient with respect to the input.
public protocol Layer: Op {
    /// Output shape for an input shape (both with the batch dimension).
    func outputShape(for inputShape: [Int]) throws -> [Int]
    func forward(_ input: Tensor, mode: Mode) throws -> Tensor
    func backward(_ outputGradient: Tensor) throws -> Tensor
}

extension Layer {
    public var inputArity: OpArity { .exactly(1) }

    public func outputShape(forInputs shapes: [[Int]]) throws -> [Int] {
        try outputShape(for: try single(shapes))
    }

    public func forward(inputs: [Tensor], mode: Mode) throws -> Tensor {
        try forward(try single(inputs), mode: mode)
    }

    public func backward(inputGradientsFrom outputGradient: Tensor) throws -> [Tensor] {
        [try backward(outputGradient)]
    }

    private func single<T>(_ values: [T]) throws -> T {
        guard values.count == 1 else {
            throw EngineError.shapeMismatch("\(kind) takes 1 input, got \(values.count)")
        }
        return values[0]
    }
}
