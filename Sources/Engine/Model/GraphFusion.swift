/// The rewrite that turns node patterns into fused ops: BatchNorm -> ReLU -> MaxPool2D,
/// BatchNorm -> MaxPool2D, BatchNorm -> ReLU, ReLU -> MaxPool2D and Add -> ReLU. A pattern is
/// fused only where each intermediate output has exactly one consumer (the next op of the
/// pattern) and is not kept. The fused op runs where the pattern's last node ran, under its name.
enum GraphFusion {
    static func rewrite(_ nodes: [Graph.Node], keeping: Set<String>) -> [Graph.Step] {
        var consumers = [String: [Graph.Node]]()
        for node in nodes { for input in node.inputs { consumers[input, default: []].append(node) } }
        /// The node that alone reads `node`, when `node`'s output may disappear into a fusion.
        func soleReader(_ node: Graph.Node) -> Graph.Node? {
            guard !keeping.contains(node.name), let readers = consumers[node.name], readers.count == 1,
                  readers[0].inputs == [node.name] else { return nil }
            return readers[0]
        }
        var absorbed = Set<String>()
        var fused = [String: (op: any Op, first: Graph.Node, covers: [String])]()
        func fuse(_ chain: [Graph.Node], into op: any Op) {
            absorbed.formUnion(chain.dropLast().map(\.name))
            fused[chain.last!.name] = (op, chain[0], chain.map(\.name))
        }
        // BatchNorm first, as it can take both a ReLU and a pool.
        for node in nodes {
            guard let norm = node.op as? BatchNorm, let next = soleReader(node) else { continue }
            if next.op is ReLU {
                if let after = soleReader(next), let pool = after.op as? MaxPool2D {
                    fuse([node, next, after], into: BatchNormMaxPool(norm, relu: true, pool: pool))
                } else {
                    fuse([node, next], into: BatchNormReLU(norm))
                }
            } else if let pool = next.op as? MaxPool2D {
                fuse([node, next], into: BatchNormMaxPool(norm, relu: false, pool: pool))
            }
        }
        for node in nodes where !isTaken(node.name, absorbed, fused) {
            guard node.op is ReLU, let next = soleReader(node), let pool = next.op as? MaxPool2D,
                  !isTaken(next.name, absorbed, fused) else { continue }
            fuse([node, next], into: ReLUMaxPool(pool))
        }
        for node in nodes where !isTaken(node.name, absorbed, fused) {
            guard node.op is Add, let next = soleReader(node), next.op is ReLU, !isTaken(next.name, absorbed, fused) else { continue }
            fuse([node, next], into: AddReLU())
        }
        return nodes.compactMap { node in
            if absorbed.contains(node.name) { return nil }
            if let (op, first, covers) = fused[node.name] {
                return Graph.Step(name: node.name, op: op, inputs: first.inputs, covers: covers)
            }
            return Graph.Step(name: node.name, op: node.op, inputs: node.inputs, covers: [node.name])
        }
    }

    /// True when `name` already belongs to a fused op.
    private static func isTaken(_ name: String, _ absorbed: Set<String>, _ fused: [String: (op: any Op, first: Graph.Node, covers: [String])]) -> Bool {
        absorbed.contains(name) || fused[name] != nil
    }
}
