import OpenCLKit

/// Optimizer update kernels (in `optimizer.cl`), one call per parameter tensor, all in place.
/// `decay` is the coupled L2 coefficient added to the gradient (0 for parameters that do not decay).
public enum OptimizerOps {
    /// p -= lr * (g + decay * p)
    public static func sgd(_ parameter: Tensor, gradient: Tensor, learningRate: Float, decay: Float) throws {
        try check(parameter, gradient)
        let context = parameter.context
        try context.launch(
            context.kernel("optimizer.cl", "sgd_step"), global: [parameter.count], local: [Pointwise.groupSize(context)],
            parameter.buffer, gradient.buffer, learningRate, decay, parameter.count)
    }

    /// Momentum SGD (dampening 0), optionally Nesterov; `buffer` is the momentum buffer.
    public static func sgdMomentum(
        _ parameter: Tensor, gradient: Tensor, buffer: Tensor, learningRate: Float, decay: Float, momentum: Float,
        nesterov: Bool
    ) throws {
        try check(parameter, gradient, buffer)
        let context = parameter.context
        try context.launch(
            context.kernel("optimizer.cl", "sgd_momentum_step"), global: [parameter.count],
            local: [Pointwise.groupSize(context)],
            parameter.buffer, gradient.buffer, buffer.buffer, learningRate, decay, momentum, Int32(nesterov ? 1 : 0),
            parameter.count)
    }

    /// One Adam/AdamW update: stepSize = lr / (1 - beta1^t), correction2 = sqrt(1 - beta2^t);
    /// the parameter is first multiplied by `decoupledFactor` (AdamW: 1 - lr * weight decay, Adam: 1).
    public static func adam(
        _ parameter: Tensor, gradient: Tensor, expAvg: Tensor, expAvgSq: Tensor, beta1: Float, beta2: Float,
        epsilon: Float, stepSize: Float, correction2: Float, decay: Float, decoupledFactor: Float
    ) throws {
        try check(parameter, gradient, expAvg, expAvgSq)
        let context = parameter.context
        try context.launch(
            context.kernel("optimizer.cl", "adam_step"), global: [parameter.count], local: [Pointwise.groupSize(context)],
            parameter.buffer, gradient.buffer, expAvg.buffer, expAvgSq.buffer, beta1, beta2, epsilon, stepSize,
            correction2, decay, decoupledFactor, parameter.count)
    }

    /// One RMSprop update (not centred); `buffer` is the momentum buffer, nil without momentum.
    public static func rmsprop(
        _ parameter: Tensor, gradient: Tensor, squareAvg: Tensor, buffer: Tensor?, learningRate: Float, alpha: Float,
        epsilon: Float, momentum: Float, decay: Float
    ) throws {
        try check(parameter, gradient, squareAvg)
        let context = parameter.context
        let local = [Pointwise.groupSize(context)]
        if let buffer {
            try check(parameter, buffer)
            try context.launch(
                context.kernel("optimizer.cl", "rmsprop_momentum_step"), global: [parameter.count], local: local,
                parameter.buffer, gradient.buffer, squareAvg.buffer, buffer.buffer, learningRate, alpha, epsilon,
                momentum, decay, parameter.count)
        } else {
            try context.launch(
                context.kernel("optimizer.cl", "rmsprop_step"), global: [parameter.count], local: local,
                parameter.buffer, gradient.buffer, squareAvg.buffer, learningRate, alpha, epsilon, decay,
                parameter.count)
        }
    }

    private static func check(_ parameter: Tensor, _ others: Tensor...) throws {
        for other in others where other.count != parameter.count {
            throw EngineError.shapeMismatch(
                "optimizer step on a parameter of shape \(parameter.shape) got a gradient or state of shape \(other.shape)")
        }
    }
}

/// Per-parameter optimizer state on the device: a fixed list of named slots (e.g. `exp_avg`),
/// zero-filled the first time a parameter is stepped.
final class OptimizerState {
    let optimizer: String
    let slots: [String]
    /// Keeps the parameter alive with its state so an identifier is never reused for another.
    private var entries: [ObjectIdentifier: (parameter: Parameter, tensors: [Tensor])] = [:]

    init(optimizer: String, slots: [String]) {
        self.optimizer = optimizer
        self.slots = slots
    }

    /// The state tensors of `parameter`, one per slot, created as zeros when missing.
    func tensors(for parameter: Parameter) throws -> [Tensor] {
        let key = ObjectIdentifier(parameter)
        if let entry = entries[key] {
            guard entry.tensors.allSatisfy({ $0.count == parameter.value.count }) else {
                throw EngineError.shapeMismatch(
                    "\(optimizer) state for parameter \(parameter.name) has \(entry.tensors[0].count) elements but the parameter "
                        + "now has \(parameter.value.count); make a new optimizer after changing parameter shapes")
            }
            return entry.tensors
        }
        let tensors = try slots.map { _ in try Tensor.zeros(parameter.value.context, shape: parameter.value.shape) }
        entries[key] = (parameter, tensors)
        return tensors
    }

    /// Existing state named `<name>.<slot>`, in parameter then slot order.
    func named(for parameters: [(name: String, parameter: Parameter)]) -> [(name: String, tensor: Tensor)] {
        parameters.flatMap { name, parameter -> [(name: String, tensor: Tensor)] in
            guard let entry = entries[ObjectIdentifier(parameter)] else { return [] }
            return zip(slots, entry.tensors).map { ("\(name).\($0)", $1) }
        }
    }

    /// Replaces the state of `parameters` with copies of `tensors`, named as `named(for:)`
    /// names them; a listed parameter with no entries starts fresh, others keep their state.
    /// Nothing changes when this throws.
    func load(_ tensors: [(name: String, tensor: Tensor)], for parameters: [(name: String, parameter: Parameter)]) throws {
        var byName: [String: Tensor] = [:]
        for (name, tensor) in tensors {
            guard byName.updateValue(tensor, forKey: name) == nil else {
                throw EngineError.invalidConfiguration("\(optimizer) state \(name) appears twice in the checkpoint")
            }
        }
        var seen: Set<String> = []
        for (name, _) in parameters where !seen.insert(name).inserted {
            throw EngineError.invalidConfiguration(
                "\(optimizer) state is keyed by parameter name, and \(name) names more than one parameter; "
                    + "pass unique names (e.g. Graph.namedParameters, which prefixes the layer index)")
        }
        var loaded: [ObjectIdentifier: (parameter: Parameter, tensors: [Tensor])?] = [:]
        for (name, parameter) in parameters {
            let names = slots.map { "\(name).\($0)" }
            let found = names.compactMap { byName.removeValue(forKey: $0) }
            if found.isEmpty {
                loaded[ObjectIdentifier(parameter)] = .some(nil)
                continue
            }
            guard found.count == slots.count else {
                throw EngineError.invalidConfiguration(
                    "\(optimizer) checkpoint has only part of the state of \(name); expected all of \(names)")
            }
            let copies = try zip(names, found).map { slotName, tensor -> Tensor in
                guard tensor.count == parameter.value.count else {
                    throw EngineError.shapeMismatch(
                        "\(optimizer) state \(slotName) has shape \(tensor.shape) but the parameter has shape \(parameter.value.shape)")
                }
                let copy = try Tensor(parameter.value.context, shape: parameter.value.shape)
                try copy.buffer.copy(from: tensor.buffer, count: tensor.count)
                return copy
            }
            loaded[ObjectIdentifier(parameter)] = (parameter, copies)
        }
        if let unknown = byName.keys.sorted().first {
            throw EngineError.invalidConfiguration(
                "\(optimizer) checkpoint has state \(unknown) that matches no parameter slot (\(slots)); "
                    + "was it saved by another optimizer or model?")
        }
        for (key, entry) in loaded { entries[key] = entry }
    }
}

extension OptimizerState {
    /// Throws `invalidConfiguration` with `message` unless `condition` holds.
    static func require(_ condition: Bool, _ message: @autoclosure () -> String) throws {
        if !condition { throw EngineError.invalidConfiguration(message()) }
    }

    /// True for finite values >= 0.
    static func isNonNegative(_ value: Float) -> Bool { value.isFinite && value >= 0 }
}
