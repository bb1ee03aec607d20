/// A trainable tensor and its gradient. Backward passes overwrite `gradient`.
public final class Parameter: @unchecked Sendable {
    public let name: String
    public var value: Tensor
    public let gradient: Tensor
    /// Weight decay applies to weights, not to biases or normalisation scales.
    public let decays: Bool

    public init(name: String, value: Tensor, decays: Bool) throws {
        self.name = name
        self.value = value
        self.decays = decays
        gradient = try Tensor.zeros(value.context, shape: value.shape)
    }
}
