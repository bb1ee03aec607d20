import Engine

/// One operation of a network as the exporters see it: what it does, the values it reads (by
/// name) and the value it writes. A sequential architecture becomes a chain of these; a graph
/// architecture (named nodes with `inputs`) maps onto the same list node for node.
struct ExportNode: Equatable {
    /// What the node computes, with the options the exporters need.
    enum Operation: Equatable {
        case convolution(filters: Int, kernel: Int, stride: Int, padding: Padding)
        case dense(units: Int)
        case batchNorm(epsilon: Float)
        case relu
        case leakyRelu(slope: Float)
        case sigmoid
        case tanh
        case maxPool(size: Int, stride: Int)
        case averagePool(size: Int, stride: Int)
        case globalAveragePool
        case flatten
        /// Identity at inference; kept so the node list mirrors the layers.
        case dropout
        /// Element-wise sum of inputs of one shape.
        case add
        /// Inputs joined along the channel (or feature) axis.
        case concat

        /// Whether the node reads weights from the checkpoint.
        var hasTensors: Bool {
            switch self {
            case .convolution, .dense, .batchNorm: return true
            default: return false
            }
        }
    }

    /// The name of the value this node writes.
    let output: String
    let operation: Operation
    /// The names of the values it reads, in order.
    let inputs: [String]
    /// The state-dict prefix of its tensors (`3.` for `3.weight`), nil when it has none.
    let tensorPrefix: String?
    /// Its output shape for one image: [C, H, W] or [F].
    let shape: [Int]
    /// The architecture layer it comes from, for error messages.
    let layerIndex: Int
}

/// Derives the node list of an architecture, chain or graph, naming tensors exactly as
/// `ModelBuilder` names its engine nodes (a chain's ops are numbered, an activation option is
/// an op of its own; a graph node's op takes the node's name).
enum ExportNodeList {
    /// The name of the network's input value.
    static let input = "input"

    /// The nodes of `spec` for `classes` classes, in an order where each comes after what it
    /// reads; throws `ONNXExportError.unsupportedLayer` for a layer type with no mapping.
    static func make(_ spec: ArchitectureSpec, classes: Int) throws -> [ExportNode] {
        guard !spec.allLayers.isEmpty else { throw ONNXExportError.emptyArchitecture(spec.name) }
        var values = [Graph.inputName: input]
        var shapes = [input: [spec.input.channels, spec.input.size, spec.input.size]]
        var nodes: [ExportNode] = []
        for (position, node) in try spec.resolvedNodes().enumerated() {
            var index = position
            if case let .layer(layerIndex) = node.site { index = layerIndex }
            var reads = try node.inputs.map { name -> String in
                guard let value = values[name] else { throw ONNXExportError.unknownValue(node: node.label, input: name) }
                return value
            }
            let engineNames = [node.mainName, node.activationName].compactMap { $0 }
            for (operation, engineName) in zip(try operations(of: node.layer, index: index, classes: classes), engineNames) {
                // A chain's values keep readable names (l3.conv); a graph's are its node names.
                let output = node.site == .layer(index) ? "l\(index).\(name(of: operation))" : engineName
                let shape = try outputShape(of: operation, inputs: reads.map { shapes[$0]! }, layerIndex: index)
                nodes.append(ExportNode(
                    output: output, operation: operation, inputs: reads,
                    tensorPrefix: operation.hasTensors ? "\(engineName)." : nil, shape: shape, layerIndex: index))
                values[engineName] = output
                shapes[output] = shape
                reads = [output]
            }
        }
        return nodes
    }

    /// The operations one layer becomes: its own, then its activation if it has one.
    private static func operations(of layer: LayerSpec, index: Int, classes: Int) throws -> [ExportNode.Operation] {
        var result: [ExportNode.Operation] = []
        switch layer.type {
        case "Conv2D":
            result = [.convolution(
                filters: layer.filters ?? 0, kernel: layer.kernel ?? 3, stride: layer.stride ?? 1,
                padding: try padding(of: layer, index: index))]
        case "Dense":
            switch layer.units {
            case let .fixed(value)?: result = [.dense(units: value)]
            case .output?: result = [.dense(units: classes == 2 ? 1 : classes)]
            case nil: throw ONNXExportError.badLayer(index: index, type: layer.type, "needs \"units\"")
            }
        case "BatchNorm": result = [.batchNorm(epsilon: Float(layer.epsilon ?? 1e-5))]
        case "MaxPool2D":
            let size = layer.size ?? 2
            result = [.maxPool(size: size, stride: layer.stride ?? size)]
        case "AvgPool2D":
            let size = layer.size ?? 2
            result = [.averagePool(size: size, stride: layer.stride ?? size)]
        case "GlobalAvgPool": result = [.globalAveragePool]
        case "Flatten": result = [.flatten]
        case "Dropout": result = [.dropout]
        case "Add": result = [.add]
        case "Concat": result = [.concat]
        case "ReLU", "LeakyReLU", "Sigmoid", "Tanh": result = []
        default: throw ONNXExportError.unsupportedLayer(index: index, type: layer.type)
        }
        if let activation = layer.activationName {
            switch activation {
            case "relu": result.append(.relu)
            case "leaky_relu": result.append(.leakyRelu(slope: Float(layer.slope ?? 0.01)))
            case "sigmoid": result.append(.sigmoid)
            case "tanh": result.append(.tanh)
            default: throw ONNXExportError.badLayer(index: index, type: layer.type, "unknown activation \(activation)")
            }
        }
        return result
    }

    private static func padding(of layer: LayerSpec, index: Int) throws -> Padding {
        do {
            return try layer.convolutionPadding()
        } catch let problem as LayerProblem {
            throw ONNXExportError.badLayer(index: index, type: layer.type, problem.message)
        }
    }

    /// The shape after `operation` for one image; the checks `ArchitecturePlan` already made
    /// are not repeated, but a shape that would not fit is still an error, never a crash.
    static func outputShape(of operation: ExportNode.Operation, inputs: [[Int]], layerIndex: Int) throws -> [Int] {
        let input = inputs.first ?? []
        func image() throws -> (c: Int, h: Int, w: Int) {
            guard input.count == 3 else {
                throw ONNXExportError.badLayer(index: layerIndex, type: "\(operation)", "needs an image input [C, H, W], got \(input)")
            }
            return (input[0], input[1], input[2])
        }
        switch operation {
        case let .convolution(filters, kernel, stride, padding):
            let (_, h, w) = try image()
            let rows = try ConvGeometry.outputSize(input: h, kernel: kernel, stride: stride, padding: padding)
            let columns = try ConvGeometry.outputSize(input: w, kernel: kernel, stride: stride, padding: padding)
            return [filters, rows.size, columns.size]
        case let .dense(units): return [units]
        case let .maxPool(size, stride), let .averagePool(size, stride):
            let (c, h, w) = try image()
            guard h >= size, w >= size, stride >= 1 else {
                throw ONNXExportError.badLayer(index: layerIndex, type: "pooling", "window \(size) does not fit \(h) x \(w)")
            }
            return [c, (h - size) / stride + 1, (w - size) / stride + 1]
        case .globalAveragePool: return [try image().c]
        case .flatten: return [input.reduce(1, *)]
        case .batchNorm, .relu, .leakyRelu, .sigmoid, .tanh, .dropout, .add: return input
        case .concat: return [inputs.reduce(0) { $0 + ($1.first ?? 0) }] + input.dropFirst()
        }
    }

    private static func name(of operation: ExportNode.Operation) -> String {
        switch operation {
        case .convolution: return "conv"
        case .dense: return "dense"
        case .batchNorm: return "batchnorm"
        case .relu: return "relu"
        case .leakyRelu: return "leaky_relu"
        case .sigmoid: return "sigmoid"
        case .tanh: return "tanh"
        case .maxPool: return "maxpool"
        case .averagePool: return "avgpool"
        case .globalAveragePool: return "gap"
        case .flatten: return "flatten"
        case .dropout: return "dropout"
        case .add: return "add"
        case .concat: return "concat"
        }
    }
}
