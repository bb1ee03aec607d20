/// Updates parameters from their gradients, on the device.
public protocol Optimizer: AnyObject {
    var learningRate: Float { get set }
    /// Applies one update to every parameter using its current gradient.
    func step(_ parameters: [Parameter]) throws
    /// Per-parameter state (moments, velocities) for checkpoints, keyed by name.
    func stateTensors(for parameters: [Parameter]) -> [(name: String, tensor: Tensor)]
    /// Replaces the per-parameter state with checkpointed tensors named as `stateTensors(for:)` names them.
    func loadState(_ tensors: [(name: String, tensor: Tensor)], for parameters: [Parameter]) throws
    /// Number of steps taken (Adam's bias correction depends on it).
    var stepCount: Int { get set }
}
