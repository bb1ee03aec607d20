import Engine

/// One layer or node of an architecture as the engine nodes it becomes: its main op (none for
/// an activation layer) and its activation (when it has one), with the engine nodes it reads.
///
/// A chain's engine nodes are numbered "0", "1", ... across the ops it makes, so an existing
/// checkpoint's `<index>.<name>` tensors keep their names; a graph's main op takes the node's
/// name and its activation `<name>.<activation>`, and nodes that read it get the activation's output.
struct ResolvedNode {
    enum Site: Equatable {
        case layer(Int), node(String)
    }

    let site: Site
    let layer: LayerSpec
    /// Engine node names read ("input" is the image).
    let inputs: [String]
    let mainName: String?
    let activationName: String?

    /// The engine node whose output the next layer, or a node naming this one, reads.
    var outputName: String { activationName ?? mainName ?? Graph.inputName }

    /// "layer 3" or "node 'b1'", for messages.
    var label: String {
        switch site {
        case let .layer(index): return "layer \(index)"
        case let .node(name): return "node '\(name)'"
        }
    }

    /// An error about this layer or node.
    func error(_ why: String) -> ArchitectureError {
        switch site {
        case let .layer(index): return .badLayer(index: index, why)
        case let .node(name): return .badNode(name, why)
        }
    }
}

extension LayerSpec {
    /// Types that join several inputs and only a graph can use.
    static let joinTypes: Set<String> = ["Add", "Concat"]
    /// Types that are only an activation.
    static let activationTypes: Set<String> = ["ReLU", "LeakyReLU", "Sigmoid", "Tanh"]

    /// True when this layer makes an op besides its activation.
    var hasMainOp: Bool { !Self.activationTypes.contains(type) }
}

extension ArchitectureSpec {
    /// The layers or nodes in an order where each comes after what it reads, with their engine
    /// names; throws for duplicate or malformed names, unknown inputs, cycles and unused nodes.
    func resolvedNodes() throws -> [ResolvedNode] {
        guard let nodes else { return try resolvedChain() }
        guard !nodes.isEmpty else { throw ArchitectureError.invalid(name, "\"nodes\" is empty; a graph needs at least one node") }
        var outputs = [String: String]()
        for node in nodes {
            guard !node.name.isEmpty, !node.name.contains("."), node.name != Graph.inputName else {
                throw ArchitectureError.badNode(
                    node.name, "a node name must be non-empty, without dots, and not \"\(Graph.inputName)\" (the image)")
            }
            guard outputs[node.name] == nil else {
                throw ArchitectureError.badNode(node.name, "two nodes have this name; give each node its own name")
            }
            let activation = node.layer.activationName
            outputs[node.name] = node.layer.hasMainOp && activation != nil ? "\(node.name).\(activation!)" : node.name
        }
        var resolved: [ResolvedNode] = []
        var previous = Graph.inputName
        for node in nodes {
            let names = node.inputs ?? [previous]
            let inputs = try names.map { input -> String in
                if input == Graph.inputName { return input }
                guard let output = outputs[input] else {
                    throw ArchitectureError.badNode(
                        node.name, "reads '\(input)', which is not a node; name a node of this graph or \"\(Graph.inputName)\"")
                }
                return output
            }
            let activation = node.layer.activationName
            resolved.append(ResolvedNode(
                site: .node(node.name), layer: node.layer, inputs: inputs,
                mainName: node.layer.hasMainOp ? node.name : nil,
                activationName: activation.map { node.layer.hasMainOp ? "\(node.name).\($0)" : node.name }))
            previous = node.name
        }
        return try Self.sortedAndUsed(resolved)
    }

    private func resolvedChain() throws -> [ResolvedNode] {
        var resolved: [ResolvedNode] = []
        var built = 0
        var previous = Graph.inputName
        for (index, layer) in layers.enumerated() {
            if LayerSpec.joinTypes.contains(layer.type) {
                throw ArchitectureError.badLayer(
                    index: index, "\(layer.type) joins branches; write the architecture as a graph (\"nodes\" with \"inputs\")")
            }
            var main: String?
            var activation: String?
            if layer.hasMainOp {
                main = "\(built)"
                built += 1
            }
            if layer.activationName != nil {
                activation = "\(built)"
                built += 1
            }
            let node = ResolvedNode(site: .layer(index), layer: layer, inputs: [previous], mainName: main, activationName: activation)
            resolved.append(node)
            previous = node.outputName
        }
        return resolved
    }

    /// Topological order (file order where possible); the last node in the file is the output,
    /// and every node must lead to it.
    private static func sortedAndUsed(_ nodes: [ResolvedNode]) throws -> [ResolvedNode] {
        var placed: Set<String> = [Graph.inputName]
        var order: [ResolvedNode] = []
        var pending = nodes
        while !pending.isEmpty {
            guard let ready = pending.firstIndex(where: { $0.inputs.allSatisfy(placed.contains) }) else {
                let names = pending.map(\.label).joined(separator: ", ")
                throw pending[0].error("it is part of a cycle (\(names) read each other); a graph must be acyclic")
            }
            let node = pending.remove(at: ready)
            placed.formUnion([node.mainName, node.activationName].compactMap { $0 })
            order.append(node)
        }
        var needed: Set<String> = [nodes.last!.outputName]
        for node in order.reversed() where needed.contains(node.outputName) {
            needed.formUnion(node.inputs)
            if let main = node.mainName { needed.insert(main) }
        }
        if let unused = order.first(where: { !needed.contains($0.outputName) }) {
            throw unused.error("its output is not used; the last node is the output, and every node must lead to it")
        }
        return order
    }
}
