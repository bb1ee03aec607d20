import Engine

/// Writes one network's nodes into an ONNX graph: per node, its input names to its output
/// name, with the checkpoint's tensors as initializers. Every value it names carries `prefix`,
/// so several networks (an ensemble's members) can share one graph.
struct ONNXNetworkEmitter {
    /// The checkpoint's tensors by state-dict name (without `prefix`).
    let tensors: [String: NamedTensor]
    /// Put in front of every value and weight name, e.g. `m0/`.
    let prefix: String

    /// Emits `nodes` reading `input` (shape `inputShape` for one image, NCHW); returns the name
    /// of the last node's output and its shape.
    func emit(
        _ nodes: [ExportNode], input: String, inputShape: [Int], into graph: inout ONNXGraphBuilder
    ) throws -> (output: String, shape: [Int]) {
        var names = [ExportNodeList.input: input]
        var shapes = [ExportNodeList.input: inputShape]
        var last = (output: input, shape: inputShape)
        for node in nodes {
            let inputs = try node.inputs.map { name -> String in
                guard let resolved = names[name] else { throw ONNXExportError.unknownValue(node: node.output, input: name) }
                return resolved
            }
            let inputShapes = node.inputs.compactMap { shapes[$0] }
            let output = try emit(node, inputs: inputs, inputShapes: inputShapes, into: &graph)
            names[node.output] = output
            shapes[node.output] = node.shape
            last = (output, node.shape)
        }
        return last
    }

    /// One node; returns the name its result goes by (a dropout passes its input through).
    private func emit(_ node: ExportNode, inputs: [String], inputShapes: [[Int]], into graph: inout ONNXGraphBuilder) throws -> String {
        let name = prefix + node.output
        func single() throws -> (name: String, shape: [Int]) {
            guard inputs.count == 1, inputShapes.count == 1 else {
                throw ONNXExportError.badInputs(node: node.output, "takes one input, got \(inputs.count)")
            }
            return (inputs[0], inputShapes[0])
        }
        switch node.operation {
        case let .convolution(filters, kernel, stride, padding):
            let (source, shape) = try single()
            guard shape.count == 3 else { throw ONNXExportError.badInputs(node: node.output, "needs an image input, got \(shape)") }
            let weight = try weightName(node, "weight", shape: [filters, shape[0], kernel, kernel], into: &graph)
            let bias = try weightName(node, "bias", shape: [filters], into: &graph)
            let pads = try Self.pads(height: shape[1], width: shape[2], kernel: kernel, stride: stride, padding: padding)
            return graph.node("Conv", [source, weight, bias], name, attributes: [
                ONNXAttribute.ints("kernel_shape", [kernel, kernel]), ONNXAttribute.ints("strides", [stride, stride]),
                ONNXAttribute.ints("pads", pads), ONNXAttribute.ints("dilations", [1, 1]), ONNXAttribute.int("group", 1),
            ])
        case let .dense(units):
            let (source, shape) = try single()
            guard shape.count == 1 else { throw ONNXExportError.badInputs(node: node.output, "needs a flat input, got \(shape)") }
            let weight = try weightName(node, "weight", shape: [units, shape[0]], into: &graph)
            let bias = try weightName(node, "bias", shape: [units], into: &graph)
            // The engine stores [out, in] like PyTorch: Y = X * W^T + b.
            return graph.node("Gemm", [source, weight, bias], name, attributes: [ONNXAttribute.int("transB", 1)])
        case let .batchNorm(epsilon):
            let (source, shape) = try single()
            let channels = shape[0]
            let parts = try ["weight", "bias", "running_mean", "running_var"].map {
                try weightName(node, $0, shape: [channels], into: &graph)
            }
            return graph.node("BatchNormalization", [source] + parts, name, attributes: [ONNXAttribute.float("epsilon", epsilon)])
        case .relu: return graph.node("Relu", [try single().name], name)
        case let .leakyRelu(slope):
            return graph.node("LeakyRelu", [try single().name], name, attributes: [ONNXAttribute.float("alpha", slope)])
        case .sigmoid: return graph.node("Sigmoid", [try single().name], name)
        case .tanh: return graph.node("Tanh", [try single().name], name)
        case let .maxPool(size, stride):
            return pool("MaxPool", size: size, stride: stride, input: try single().name, output: name, into: &graph)
        case let .averagePool(size, stride):
            return pool("AveragePool", size: size, stride: stride, input: try single().name, output: name, into: &graph)
        case .globalAveragePool:
            // ONNX keeps [N, C, 1, 1]; the engine's layer gives [N, C].
            let pooled = graph.node("GlobalAveragePool", [try single().name], name + "/pooled")
            return graph.node("Flatten", [pooled], name, attributes: [ONNXAttribute.int("axis", 1)])
        case .flatten:
            // Row-major over [C, H, W]: the order the engine's Dense reads.
            return graph.node("Flatten", [try single().name], name, attributes: [ONNXAttribute.int("axis", 1)])
        case .dropout:
            return try single().name
        case .add:
            guard inputs.count >= 2, Set(inputShapes).count == 1 else {
                throw ONNXExportError.badInputs(node: node.output, "Add needs two or more inputs of one shape, got \(inputShapes)")
            }
            return inputs.dropFirst().enumerated().reduce(inputs[0]) { sum, next in
                let isLast = next.offset == inputs.count - 2
                return graph.node("Add", [sum, next.element], isLast ? name : "\(name)/\(next.offset)")
            }
        case .concat:
            guard inputs.count >= 1, Set(inputShapes.map { Array($0.dropFirst()) }).count == 1 else {
                throw ONNXExportError.badInputs(node: node.output, "Concat needs inputs that differ only in channels, got \(inputShapes)")
            }
            return graph.node("Concat", inputs, name, attributes: [ONNXAttribute.int("axis", 1)])
        }
    }

    /// A pooling node with no padding and floor rounding: the engine's `valid` pooling.
    private func pool(
        _ operation: String, size: Int, stride: Int, input: String, output: String, into graph: inout ONNXGraphBuilder
    ) -> String {
        graph.node(operation, [input], output, attributes: [
            ONNXAttribute.ints("kernel_shape", [size, size]), ONNXAttribute.ints("strides", [stride, stride]),
        ])
    }

    /// Adds the checkpoint tensor `<node prefix><part>` as an initializer, checked against `shape`.
    private func weightName(_ node: ExportNode, _ part: String, shape: [Int], into graph: inout ONNXGraphBuilder) throws -> String {
        let key = (node.tensorPrefix ?? "") + part
        guard let tensor = tensors[key], tensor.shape == shape else {
            throw ONNXExportError.missingTensor(name: key, expected: shape, found: tensors[key]?.shape)
        }
        return graph.initializer(prefix + key, shape: shape, values: tensor.values)
    }

    /// ONNX pads [top, left, bottom, right] for the engine's padding: `same` puts the smaller
    /// half before, as TensorFlow does, which ONNX's `SAME_UPPER` also does but only pads spell out.
    static func pads(height: Int, width: Int, kernel: Int, stride: Int, padding: Padding) throws -> [Int] {
        let rows = try ConvGeometry.outputSize(input: height, kernel: kernel, stride: stride, padding: padding)
        let columns = try ConvGeometry.outputSize(input: width, kernel: kernel, stride: stride, padding: padding)
        func total(_ input: Int, _ output: Int) -> Int { padding == .valid ? 0 : max((output - 1) * stride + kernel - input, 0) }
        let totalRows = total(height, rows.size), totalColumns = total(width, columns.size)
        return [rows.padBefore, columns.padBefore, totalRows - rows.padBefore, totalColumns - columns.padBefore]
    }
}
