/// The structural checks of a graph: names, inputs, order, cycles, unused nodes.
enum GraphValidation {
    /// The nodes in an order where each comes after its inputs (declaration order where that
    /// already holds), or an error naming the offending node.
    static func sorted(_ nodes: [Graph.Node]) throws -> [Graph.Node] {
        var declared = Set<String>()
        for node in nodes {
            guard !node.name.isEmpty, node.name != Graph.inputName else {
                throw EngineError.invalidConfiguration("a node may not be named '\(node.name)'; '\(Graph.inputName)' is the model input")
            }
            guard declared.insert(node.name).inserted else {
                throw EngineError.invalidConfiguration("two nodes are named '\(node.name)'; give each node its own name")
            }
        }
        for node in nodes {
            guard node.op.inputArity.accepts(node.inputs.count) else {
                throw EngineError.invalidConfiguration(
                    "node '\(node.name)' (\(node.op.kind)) takes \(node.op.inputArity.description), got \(node.inputs.count)")
            }
            for input in node.inputs where input != Graph.inputName && !declared.contains(input) {
                throw EngineError.invalidConfiguration(
                    "node '\(node.name)' reads '\(input)', which is neither a node nor '\(Graph.inputName)'")
            }
        }
        var placed: Set<String> = [Graph.inputName]
        var order: [Graph.Node] = []
        var pending = nodes
        while !pending.isEmpty {
            guard let ready = pending.firstIndex(where: { $0.inputs.allSatisfy(placed.contains) }) else {
                let names = pending.map { "'\($0.name)'" }.joined(separator: ", ")
                throw EngineError.invalidConfiguration("the nodes \(names) form a cycle or read one; a graph must be acyclic")
            }
            placed.insert(pending[ready].name)
            order.append(pending.remove(at: ready))
        }
        return order
    }

    /// Throws when a node does not contribute to `output`.
    static func requireUsed(_ nodes: [Graph.Node], output: String) throws {
        guard nodes.contains(where: { $0.name == output }) else {
            throw EngineError.invalidConfiguration("the output '\(output)' is not a node of the graph")
        }
        var needed: Set<String> = [output]
        for node in nodes.reversed() where needed.contains(node.name) { needed.formUnion(node.inputs) }
        if let unused = nodes.first(where: { !needed.contains($0.name) }) {
            throw EngineError.invalidConfiguration(
                "node '\(unused.name)' (\(unused.op.kind)) does not lead to the output '\(output)'; remove it or use its output")
        }
    }
}
