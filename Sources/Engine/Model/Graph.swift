import OpenCLKit

/// A model as a directed acyclic graph of named ops, run in topological order. Backward adds
/// up the gradients of a node that feeds several others.
///
/// The nodes are what the architecture says; what runs are `steps`, the nodes after the fusion
/// pass (`GraphFusion`), which replaces patterns such as BatchNorm -> ReLU by one fused op
/// holding the same parameters. A node's output stays observable (never fused away) when it
/// is the graph's output or named in `observed`.
public final class Graph {
    /// One named op and the names of the nodes it reads; `Graph.inputName` is the model input.
    public struct Node {
        public let name: String
        public let op: any Op
        public let inputs: [String]

        /// A node named `name` applying `op` to the outputs of `inputs`.
        public init(_ name: String, _ op: any Op, inputs: [String]) {
            self.name = name
            self.op = op
            self.inputs = inputs
        }
    }

    /// One op as it runs: a node, or a fused op covering several nodes, named after the last.
    public struct Step {
        public let name: String
        public let op: any Op
        public let inputs: [String]
        /// The nodes this step computes, first to last (one for an unfused node).
        public let covers: [String]
    }

    /// The name under which nodes read the model input.
    public static let inputName = "input"

    /// Input shape of one sample, e.g. `[1, 128, 128]` (channels, height, width).
    public let inputShape: [Int]
    /// The nodes, each after every node it reads.
    public let nodes: [Node]
    /// The node whose output the model returns.
    public let outputName: String
    /// Nodes whose outputs the fusion pass keeps.
    public let observed: Set<String>
    /// What forward and backward run.
    public let steps: [Step]

    /// Checks names, inputs, acyclicity and every node's shapes before anything runs, with
    /// errors naming the node. The output is `output`, or the last node given. With `fuse`,
    /// patterns whose intermediates have one consumer and are not observed become fused ops.
    public init(inputShape: [Int], nodes: [Node], output: String? = nil, observing: Set<String> = [], fuse: Bool = true) throws {
        self.inputShape = inputShape
        self.nodes = try GraphValidation.sorted(nodes)
        guard let outputName = output ?? nodes.last?.name else {
            throw EngineError.invalidConfiguration("a graph needs at least one node")
        }
        self.outputName = outputName
        try GraphValidation.requireUsed(self.nodes, output: outputName)
        for name in observing where !self.nodes.contains(where: { $0.name == name }) {
            throw EngineError.invalidConfiguration("cannot observe node '\(name)': the graph has no node of that name")
        }
        observed = observing
        steps = fuse
            ? GraphFusion.rewrite(self.nodes, keeping: observing.union([outputName]))
            : self.nodes.map { Step(name: $0.name, op: $0.op, inputs: $0.inputs, covers: [$0.name]) }
        _ = try shapes(batch: 1)
    }

    /// A chain: each layer reads the one before it; nodes are named "0", "1", ... so parameters
    /// are named `<index>.<name>` as PyTorch's `nn.Sequential` state dicts are.
    public convenience init(inputShape: [Int], layers: [any Op], fuse: Bool = true) throws {
        let nodes = layers.enumerated().map { index, op in
            Node("\(index)", op, inputs: [index == 0 ? Graph.inputName : "\(index - 1)"])
        }
        try self.init(inputShape: inputShape, nodes: nodes, fuse: fuse)
    }

    /// The same nodes (the same op objects) with other nodes kept observable, or without fusion.
    public func rebuilt(observing: Set<String>, fuse: Bool = true) throws -> Graph {
        try Graph(inputShape: inputShape, nodes: nodes, output: outputName, observing: observing, fuse: fuse)
    }

    /// The ops, in node order.
    public var ops: [any Op] { nodes.map(\.op) }

    /// The node called `name`, if any.
    public func node(named name: String) -> Node? { nodes.first { $0.name == name } }

    /// True when every node reads only the node before it (the graph is a chain).
    public var isChain: Bool {
        nodes.enumerated().allSatisfy { index, node in node.inputs == [index == 0 ? Graph.inputName : nodes[index - 1].name] }
    }

    /// Every node's output shape for a batch size (the first dimension), by node name.
    public func shapes(batch: Int) throws -> [String: [Int]] {
        var shapes = [Graph.inputName: [batch] + inputShape]
        for node in nodes {
            let inputs = node.inputs.map { shapes[$0]! }
            do {
                shapes[node.name] = try node.op.outputShape(forInputs: inputs)
            } catch {
                let shown = inputs.map { "\($0)" }.joined(separator: ", ")
                throw EngineError.shapeMismatch("node '\(node.name)' (\(node.op.kind)) cannot take input \(shown): \(error)")
            }
        }
        return shapes
    }

    /// Per-node output shapes in node order.
    public func outputShapes(batch: Int) throws -> [[Int]] {
        let byName = try shapes(batch: batch)
        return nodes.map { byName[$0.name]! }
    }

    /// The model's output for `input` [N, inputShape...].
    public func forward(_ input: Tensor, mode: Mode) throws -> Tensor {
        try run(input, keeping: [], mode: { _ in .run(mode) }).output
    }

    /// The model's output and the outputs of the `keeping` nodes, which must be observable.
    public func forward(_ input: Tensor, mode: Mode, keeping: [String]) throws -> (output: Tensor, kept: [String: Tensor]) {
        try run(input, keeping: keeping, mode: { _ in .run(mode) })
    }

    /// How one step runs in a pass that mixes modes.
    public enum StepMode {
        case run(Mode)
        /// Passes its first input through, and the gradient back (e.g. dropout at inference).
        case identity
    }

    /// Wraps the work of step `index` (e.g. to time it); must call `pass` once.
    public typealias StepWrapper = (_ index: Int, _ step: Step, _ pass: () throws -> Void) throws -> Void

    /// A forward pass where each step runs as `mode` says; keeps the `keeping` outputs.
    public func run(
        _ input: Tensor, keeping: [String], mode: (Step) -> StepMode, around: StepWrapper = { _, _, pass in try pass() }
    ) throws -> (output: Tensor, kept: [String: Tensor]) {
        guard Array(input.shape.dropFirst()) == inputShape else {
            throw EngineError.shapeMismatch("model expects input [N, \(inputShape.map(String.init).joined(separator: ", "))], got \(input.shape)")
        }
        for name in keeping where name != Graph.inputName && !steps.contains(where: { $0.name == name }) {
            throw EngineError.invalidConfiguration(
                "node '\(name)' is not computed on its own (fused, or not in the graph); rebuild the graph observing it")
        }
        var uses = [String: Int]()
        for step in steps { for name in step.inputs { uses[name, default: 0] += 1 } }
        var values = [Graph.inputName: input]
        for (index, step) in steps.enumerated() {
            let inputs = step.inputs.map { values[$0]! }
            var output = inputs[0]
            let pass = {
                if case .run(let stepMode) = mode(step) {
                    output = try self.named(step) { try step.op.forward(inputs: inputs, mode: stepMode) }
                }
            }
            try around(index, step, pass)
            values[step.name] = output
            // Drop what no later step reads, so inference holds few activations at once.
            for name in step.inputs {
                uses[name]! -= 1
                if uses[name] == 0 && name != outputName && !keeping.contains(name) { values[name] = nil }
            }
        }
        return (values[outputName]!, values.filter { keeping.contains($0.key) })
    }

    /// Backpropagates the loss gradient through every step, writing parameter gradients, and
    /// returns the gradient with respect to the model input.
    @discardableResult
    public func backward(_ outputGradient: Tensor) throws -> Tensor {
        try backpropagate(outputGradient, to: Graph.inputName, mode: { _ in .run(.training) })
    }

    /// Like `backward`, but steps that read only the model input write only their parameters'
    /// gradients: training never reads the gradient with respect to the images.
    public func backwardToParameters(_ outputGradient: Tensor) throws {
        _ = try backpropagate(outputGradient, to: nil, mode: { _ in .run(.training) })
    }

    /// The gradient with respect to the output of node `target` (observable), running backward
    /// only through the steps after it; `mode` must be the one the forward pass used. Each step
    /// releases what its forward saved as soon as its backward has run, so the activations go
    /// back to the pool during the pass, and a second backward needs a new forward.
    public func backpropagate(
        _ outputGradient: Tensor, to target: String?, mode: (Step) -> StepMode, around: StepWrapper = { _, _, pass in try pass() }
    ) throws -> Tensor {
        var gradients = [outputName: outputGradient]
        let relevant = target.map(descendants(of:))
        if let target, target != Graph.inputName, !steps.contains(where: { $0.name == target }) {
            throw EngineError.invalidConfiguration("node '\(target)' is not computed on its own; rebuild the graph observing it")
        }
        for (index, step) in steps.enumerated().reversed() {
            if let relevant, !relevant.contains(step.name) { continue }
            guard let gradient = gradients.removeValue(forKey: step.name) else { continue }
            let wanted = step.inputs.map { $0 != Graph.inputName || target == Graph.inputName }
            var inputGradients: [Tensor] = []
            let pass = {
                if case .identity = mode(step) {
                    inputGradients = [gradient]
                } else if wanted.contains(true) {
                    inputGradients = try self.named(step) { try step.op.backward(inputGradientsFrom: gradient) }
                } else {
                    try self.named(step) { try step.op.backwardParameters(gradient) }
                }
            }
            try around(index, step, pass)
            // What the forward kept for this backward is spent: hand it back now, not at the next forward.
            step.op.releaseSaved()
            for (name, (inputGradient, want)) in zip(step.inputs, zip(inputGradients, wanted)) where want {
                try accumulate(inputGradient, into: name, &gradients)
            }
        }
        guard let target else { return outputGradient }
        guard let gradient = gradients[target] else {
            throw EngineError.invalidConfiguration("the output does not depend on node '\(target)'")
        }
        return gradient
    }

    /// Every trainable parameter, named `<node name>.<name>`.
    public var namedParameters: [(name: String, parameter: Parameter)] {
        nodes.flatMap { node in node.op.parameters.map { ("\(node.name).\($0.name)", $0) } }
    }

    public var parameters: [Parameter] { nodes.flatMap(\.op.parameters) }

    /// Non-trainable state (running statistics), named like parameters.
    public var namedBuffers: [(name: String, tensor: Tensor)] {
        nodes.flatMap { node in node.op.buffers.map { ("\(node.name).\($0.name)", $0.tensor) } }
    }

    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.value.count } }

    /// Steps that depend on `name`'s output (the steps after it), by name.
    private func descendants(of name: String) -> Set<String> {
        var found: Set<String> = [name]
        var result: Set<String> = []
        for step in steps where step.inputs.contains(where: found.contains) {
            found.insert(step.name)
            result.insert(step.name)
        }
        return result
    }

    /// Adds `gradient` to what `name` already received; a new tensor, since ops may share gradients.
    private func accumulate(_ gradient: Tensor, into name: String, _ gradients: inout [String: Tensor]) throws {
        guard let existing = gradients[name] else {
            gradients[name] = gradient
            return
        }
        let sum = try Tensor(gradient.context, shape: existing.shape)
        try Elementwise.add(existing, gradient, into: sum)
        gradients[name] = sum
    }

    /// Runs `body`, naming the step in a shape error.
    private func named<T>(_ step: Step, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let EngineError.shapeMismatch(why) {
            throw EngineError.shapeMismatch("node '\(step.name)' (\(step.op.kind)): \(why)")
        }
    }
}
