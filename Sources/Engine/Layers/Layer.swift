/// Whether a forward pass is for training (dropout on, batch statistics) or inference.
public enum Mode: Sendable {
    case training, inference
}

/// A network layer with a hand-written backward pass.
///
/// Shapes include the batch: `[N, C, H, W]` for images, `[N, F]` for features.
/// `forward` in training mode keeps what `backward` needs; `backward` takes the gradient of
/// the loss with respect to the output, writes the parameters' gradients, and returns the
/// gradient with respect to the input.
public protocol Layer: AnyObject {
    /// The layer's type as the model summary and architecture files name it, e.g. `Conv2D`.
    var kind: String { get }
    /// Output shape for an input shape (both with the batch dimension).
    func outputShape(for inputShape: [Int]) throws -> [Int]
    /// Trainable tensors.
    var parameters: [Parameter] { get }
    /// Non-trainable tensors that belong in a checkpoint (e.g. running means).
    var buffers: [(name: String, tensor: Tensor)] { get }
    func forward(_ input: Tensor, mode: Mode) throws -> Tensor
    func backward(_ outputGradient: Tensor) throws -> Tensor
    /// Writes the parameters' gradients only, for the first layer of a network, whose input
    /// gradient nobody reads. Layers that can skip that work override it.
    func backwardParameters(_ outputGradient: Tensor) throws
}

extension Layer {
    public var parameters: [Parameter] { [] }
    public var buffers: [(name: String, tensor: Tensor)] { [] }
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.value.count } }
    public func backwardParameters(_ outputGradient: Tensor) throws { _ = try backward(outputGradient) }
}
