/// The inference rewrite: Conv2D -> BatchNorm -> ReLU -> MaxPool2D (each part after the layer
/// optional, at least a BatchNorm or a ReLU present) becomes one `InferenceConvolution`, and
/// Dense -> BatchNorm -> ReLU likewise one `InferenceDense`. A max pooling read only by such a
/// stride-1 convolution goes into that convolution rather than the one before it: the direct
/// kernels then pool as they pad, with no pass or tensor for the pooling. As in `GraphFusion`, a node joins
/// a chain only when it alone reads the node before it and that node's output is not kept;
/// the fused node takes the chain's last name, so what reads the chain still finds it.
/// Dropout passes its input through at inference, so it leaves the graph first (unless kept):
/// a pooling followed by dropout can then go into the next convolution too.
enum InferenceFusion {
    static func rewrite(_ sourceNodes: [Graph.Node], keeping: Set<String>) throws -> [Graph.Node] {
        let nodes = withoutDropout(sourceNodes, keeping: keeping)
        var readers = [String: [Graph.Node]]()
        for node in nodes { for input in node.inputs { readers[input, default: []].append(node) } }
        /// The node that alone reads `node`, when `node`'s output may disappear into a fusion.
        func soleReader(_ node: Graph.Node) -> Graph.Node? {
            guard !keeping.contains(node.name), let list = readers[node.name], list.count == 1, list[0].inputs == [node.name] else {
                return nil
            }
            return list[0]
        }
        let byName = Dictionary(nodes.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        /// `node`, then the BatchNorm and the ReLU that follow it alone (either may be missing).
        func withNormAndActivation(_ node: Graph.Node) -> [Graph.Node] {
            var chain = [node]
            if let next = soleReader(node), next.op is BatchNorm { chain.append(next) }
            if let next = soleReader(chain.last!), next.op is ReLU { chain.append(next) }
            return chain
        }
        /// True when a BatchNorm or a ReLU follows `node` alone: it heads a fused chain.
        func headsChain(_ node: Graph.Node) -> Bool { withNormAndActivation(node).count > 1 }
        /// Whether `pool` reads a convolution chain that pools as it stores (one input channel):
        /// it stays with that convolution rather than going into the next one's padding pass.
        func storedByItsConvolution(_ pool: Graph.Node) -> Bool {
            guard let maxPool = pool.op as? MaxPool2D, pool.inputs.count == 1, let end = byName[pool.inputs[0]] else { return false }
            return nodes.contains { node in
                guard let conv = node.op as? Conv2D, headsChain(node), withNormAndActivation(node).last?.name == end.name else { return false }
                return PooledStoreConvolution.chosen(conv, pool: maxPool) && node.inputs.count == 1 && !claimsInputPool(node)
            }
        }
        /// Whether `node`, a stride-1 convolution heading a chain, reads a max pooling alone.
        func claimsInputPool(_ node: Graph.Node) -> Bool {
            guard let conv = node.op as? Conv2D, conv.stride == 1, headsChain(node), node.inputs.count == 1,
                  let pool = byName[node.inputs[0]] else { return false }
            return pool.op is MaxPool2D && soleReader(pool)?.name == node.name
        }
        /// The max pooling that `node`, a stride-1 convolution heading a chain, alone reads,
        /// unless the convolution before it pools as it stores.
        func inputPool(of node: Graph.Node) -> Graph.Node? {
            guard claimsInputPool(node), let pool = byName[node.inputs[0]], !storedByItsConvolution(pool) else { return nil }
            return pool
        }
        let claimedPools = Set(nodes.compactMap { inputPool(of: $0)?.name })
        var absorbed = Set<String>()
        var replaced = [String: Graph.Node]()
        for node in nodes where node.op is Conv2D || node.op is Dense {
            var chain = withNormAndActivation(node)
            guard chain.count > 1 else { continue }
            let norm = chain.lazy.compactMap { $0.op as? BatchNorm }.first
            let relu = chain.contains { $0.op is ReLU }
            var pool: MaxPool2D?
            if node.op is Conv2D, let next = soleReader(chain.last!), let found = next.op as? MaxPool2D, !claimedPools.contains(next.name) {
                pool = found
                chain.append(next)
            }
            let before = inputPool(of: node)
            let op: any Op
            if let conv = node.op as? Conv2D {
                op = try InferenceConvolution(conv, norm: norm, relu: relu, pool: pool, inputPool: before?.op as? MaxPool2D)
            } else if let dense = node.op as? Dense {
                op = try InferenceDense(dense, norm: norm, relu: relu)
            } else {
                continue
            }
            let last = chain.last!.name
            absorbed.formUnion(chain.dropLast().map(\.name))
            if let before { absorbed.insert(before.name) }
            replaced[last] = Graph.Node(last, op, inputs: before?.inputs ?? node.inputs)
        }
        return nodes.compactMap { node in absorbed.contains(node.name) ? nil : replaced[node.name] ?? node }
    }

    /// `nodes` with every dropout that is not kept taken out, its readers reading its input.
    static func withoutDropout(_ nodes: [Graph.Node], keeping: Set<String>) -> [Graph.Node] {
        var passedThrough = [String: String]()
        for node in nodes where node.op is Dropout && node.inputs.count == 1 && !keeping.contains(node.name) {
            passedThrough[node.name] = passedThrough[node.inputs[0]] ?? node.inputs[0]
        }
        return nodes.compactMap { node in
            guard passedThrough[node.name] == nil else { return nil }
            let inputs = node.inputs.map { passedThrough[$0] ?? $0 }
            return inputs == node.inputs ? node : Graph.Node(node.name, node.op, inputs: inputs)
        }
    }
}
