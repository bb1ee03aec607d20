/// Updates parameters from their gradients, on the device.
public protocol Optimizer: AnyObject {
    var learningRate: Float { get set }
    /// Applies one update to every parameter using its current gradient.
    func step(_ parameters: [Parameter]) throws
    /// Per-parameter state (moments, velocities) for checkpoints, named `<name>.<slot>` with the
    /// names given here: `Graph.namedParameters` gives e.g. `0.weight.exp_avg`.
    func stateTensors(for parameters: [(name: String, parameter: Parameter)]) -> [(name: String, tensor: Tensor)]
    /// Replaces the state of these parameters with checkpointed tensors named as `stateTensors(for:)` names them.
    func loadState(_ tensors: [(name: String, tensor: Tensor)], for parameters: [(name: String, parameter: Parameter)]) throws
    /// Number of steps taken (Adam's bias correction depends on it).
    var stepCount: Int { get set }
}

extension Optimizer {
    /// State named by each parameter's own `name` (which must then be unique).
    public func stateTensors(for parameters: [Parameter]) -> [(name: String, tensor: Tensor)] {
        stateTensors(for: parameters.map { (name: $0.name, parameter: $0) })
    }

    /// Loads state named by each parameter's own `name` (which must then be unique).
    public func loadState(_ tensors: [(name: String, tensor: Tensor)], for parameters: [Parameter]) throws {
        try loadState(tensors, for: parameters.map { (name: $0.name, parameter: $0) })
    }
}
