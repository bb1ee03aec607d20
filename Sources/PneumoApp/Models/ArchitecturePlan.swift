import Engine

/// What an architecture holds once built, worked out on the host before anything is allocated:
/// every tensor's state-dict name and shape, the parameter count and the largest activation.
///
/// A checkpoint's architecture comes from a file anyone can edit; building it first and checking
/// afterwards let one absurd layer size abort the process in a failed allocation. The plan is
/// checked against `ArchitectureLimits` and against the weights file's header instead.
public struct ArchitecturePlan: Equatable, Sendable {
    /// Each parameter and running statistic by state-dict name (`3.weight`), with its shape.
    public let tensors: [String: [Int]]
    /// Trainable values in all parameters.
    public let parameterCount: Int
    /// The most values any layer's output holds for one image.
    public let largestActivation: Int

    /// Plans `spec` for `classes` classes, layer by layer as `ModelBuilder` builds it; throws the
    /// same layer errors and `ArchitectureError.tooLarge` past `limits`.
    public static func make(
        _ spec: ArchitectureSpec, classes: Int, limits: ArchitectureLimits = .standard
    ) throws -> ArchitecturePlan {
        guard spec.input.channels > 0, spec.input.size > 0 else {
            throw ArchitectureError.invalid(spec.name, "input channels and size must be positive")
        }
        guard spec.input.size <= limits.maxInputSize, spec.input.channels <= limits.maxInputChannels else {
            throw ArchitectureError.tooLarge(
                spec.name, "input \(spec.input.channels) x \(spec.input.size) x \(spec.input.size) is past the limit of "
                    + "\(limits.maxInputChannels) channels and \(limits.maxInputSize) px")
        }
        var shapes = [Graph.inputName: [spec.input.channels, spec.input.size, spec.input.size]]
        var tensors = [String: [Int]]()
        var parameters = 0
        var largest = spec.input.channels * spec.input.size * spec.input.size
        for node in try spec.resolvedNodes() {
            let inputs = node.inputs.map { shapes[$0]! }
            let planned: [PlannedLayer]
            do {
                planned = try plan(node.layer, inputs: inputs, classes: classes, limits: limits)
            } catch let problem as LayerProblem {
                throw node.error(problem.message)
            } catch let error as ArchitectureError {
                throw error
            } catch {
                throw node.error("\(node.layer.type) cannot take input \(inputs.map { "\($0)" }.joined(separator: ", ")): \(error)")
            }
            for (built, name) in zip(planned, [node.mainName, node.activationName].compactMap { $0 }) {
                for (tensor, tensorShape) in built.parameters {
                    tensors["\(name).\(tensor)"] = tensorShape
                    parameters += tensorShape.reduce(1, *)
                }
                for (tensor, tensorShape) in built.buffers { tensors["\(name).\(tensor)"] = tensorShape }
                shapes[name] = built.output
                largest = max(largest, built.output.reduce(1, *))
            }
            guard parameters <= limits.maxParameters else {
                throw ArchitectureError.tooLarge(
                    spec.name, "\(node.label) (\(node.layer.type)) brings the parameters to \(parameters), past the limit of \(limits.maxParameters)")
            }
            let shape = shapes[node.outputName]!
            guard largest <= limits.maxActivation else {
                throw ArchitectureError.tooLarge(
                    spec.name, "\(node.label) (\(node.layer.type)) outputs \(shape) per image, past the limit of \(limits.maxActivation) values")
            }
        }
        return ArchitecturePlan(tensors: tensors, parameterCount: parameters, largestActivation: largest)
    }

    /// One engine layer as `ModelBuilder` makes it: its tensors and its output shape (no batch).
    private struct PlannedLayer {
        var parameters: [(String, [Int])] = []
        var buffers: [(String, [Int])] = []
        var output: [Int]
    }

    private static func plan(_ spec: LayerSpec, inputs: [[Int]], classes: Int, limits: ArchitectureLimits) throws -> [PlannedLayer] {
        func fail(_ why: String) -> LayerProblem { LayerProblem(message: "\(spec.type): \(why)") }
        if LayerSpec.joinTypes.contains(spec.type) {
            var joined = [PlannedLayer(output: try joinedShape(spec.type, inputs))]
            if let activation = spec.activationName {
                guard LayerSpec.activations.contains(activation) else {
                    throw LayerProblem(message: "unknown activation \(activation); use relu, leaky_relu, sigmoid or tanh")
                }
                joined.append(PlannedLayer(output: joined[0].output))
            }
            return joined
        }
        guard inputs.count == 1 else { throw fail("takes one input, got \(inputs.count); join branches with Add or Concat first") }
        let input = inputs[0]
        func checkWidth(_ value: Int, _ what: String) throws {
            guard value <= limits.maxWidth else { throw fail("\(what) \(value) is past the limit of \(limits.maxWidth)") }
        }
        var layers: [PlannedLayer]
        switch spec.type {
        case "Conv2D":
            guard input.count == 3 else { throw fail("needs an image input [C, H, W], got \(input)") }
            guard let filters = spec.filters, filters > 0 else { throw fail("needs \"filters\" > 0") }
            try checkWidth(filters, "filters")
            let kernel = spec.kernel ?? 3
            guard (1...limits.maxKernel).contains(kernel) else { throw fail("kernel \(kernel) is not in 1...\(limits.maxKernel)") }
            let padding = try spec.convolutionPadding()
            let geometry = try ConvGeometry(
                batch: 1, inChannels: input[0], height: input[1], width: input[2], filters: filters,
                kernelHeight: kernel, kernelWidth: kernel, stride: spec.stride ?? 1, padding: padding)
            layers = [PlannedLayer(
                parameters: [("weight", [filters, input[0], kernel, kernel]), ("bias", [filters])],
                output: [filters, geometry.outHeight, geometry.outWidth])]
        case "Dense":
            guard input.count == 1 else { throw fail("needs a flat input; add a Flatten or GlobalAvgPool before it") }
            let units: Int
            switch spec.units {
            case let .fixed(value)?: units = value
            case .output?: units = classes == 2 ? 1 : classes
            case nil: throw fail("needs \"units\" (a number, or \"output\" for the classifier head)")
            }
            guard units > 0 else { throw fail("units must be positive") }
            try checkWidth(units, "units")
            layers = [PlannedLayer(parameters: [("weight", [units, input[0]]), ("bias", [units])], output: [units])]
        case "MaxPool2D", "AvgPool2D":
            guard input.count == 3 else { throw fail("needs an image input [C, H, W], got \(input)") }
            let size = spec.size ?? 2
            let geometry = try PoolGeometry(
                batch: 1, channels: input[0], height: input[1], width: input[2], size: size, stride: spec.stride ?? size)
            layers = [PlannedLayer(output: [input[0], geometry.outHeight, geometry.outWidth])]
        case "GlobalAvgPool":
            guard input.count == 3 else { throw fail("needs an image input [C, H, W], got \(input)") }
            layers = [PlannedLayer(output: [input[0]])]
        case "Flatten":
            layers = [PlannedLayer(output: [input.reduce(1, *)])]
        case "Dropout":
            let rate = spec.rate ?? 0.5
            guard (0..<1).contains(rate) else { throw fail("rate must be in [0, 1), got \(rate)") }
            layers = [PlannedLayer(output: input)]
        case "BatchNorm":
            guard input.count == 3 || input.count == 1 else { throw fail("needs [C, H, W] or [F] input") }
            let channels = input[0]
            layers = [PlannedLayer(
                parameters: [("weight", [channels]), ("bias", [channels])],
                buffers: [("running_mean", [channels]), ("running_var", [channels])], output: input)]
        case "ReLU", "LeakyReLU", "Sigmoid", "Tanh":
            layers = []
        default:
            throw spec.unknownTypeProblem
        }
        let activation = spec.activationName
        if let activation {
            guard LayerSpec.activations.contains(activation) else {
                throw LayerProblem(message: "unknown activation \(activation); use relu, leaky_relu, sigmoid or tanh")
            }
            layers.append(PlannedLayer(output: layers.last?.output ?? input))
        }
        return layers
    }

    /// The output of Add (equal shapes) or Concat (equal but for the channels), without the batch.
    private static func joinedShape(_ type: String, _ inputs: [[Int]]) throws -> [Int] {
        let shown = inputs.map { "\($0)" }.joined(separator: ", ")
        guard inputs.count >= 2 else { throw LayerProblem(message: "\(type): needs at least 2 inputs, got \(inputs.count)") }
        if type == "Add" {
            guard inputs.allSatisfy({ $0 == inputs[0] }) else {
                throw LayerProblem(message: "Add: inputs must have one shape, got \(shown); project the shortcut with a strided 1x1 Conv2D")
            }
            return inputs[0]
        }
        guard inputs.allSatisfy({ $0.count == inputs[0].count && $0.dropFirst() == inputs[0].dropFirst() }) else {
            throw LayerProblem(message: "Concat: inputs must agree in every dimension but the channels, got \(shown)")
        }
        return [inputs.reduce(0) { $0 + $1[0] }] + inputs[0].dropFirst()
    }

    /// The first difference between this plan and the tensors a weights file holds, in words;
    /// nil when they agree name for name and shape for shape.
    public func mismatch(with stored: [String: [Int]]) -> String? {
        for name in tensors.keys.sorted(by: Self.stateDictOrder) {
            guard let shape = stored[name] else { return "tensor \(name) is missing" }
            if shape != tensors[name] { return "tensor \(name) has shape \(shape) but the architecture needs \(tensors[name]!)" }
        }
        if let extra = stored.keys.sorted(by: Self.stateDictOrder).first(where: { tensors[$0] == nil }) {
            return "tensor \(extra) is not part of the architecture"
        }
        return nil
    }

    /// `2.weight` before `10.weight`: layer index first, as a number.
    private static func stateDictOrder(_ a: String, _ b: String) -> Bool {
        let left = a.split(separator: ".", maxSplits: 1), right = b.split(separator: ".", maxSplits: 1)
        if let l = left.first.flatMap({ Int($0) }), let r = right.first.flatMap({ Int($0) }), l != r { return l < r }
        return a < b
    }
}

/// Bounds on an architecture, checked before building it: far above any chest X-ray model
/// (ResNet-50 has 25 M parameters; pneumonet 0.4 M) and low enough that a damaged or hostile
/// file cannot ask for tens of gigabytes.
public struct ArchitectureLimits: Equatable, Sendable {
    /// Square input side in pixels.
    public var maxInputSize = 2048
    /// Input channels.
    public var maxInputChannels = 4
    /// Filters of a convolution or units of a dense layer.
    public var maxWidth = 16384
    /// Convolution kernel side.
    public var maxKernel = 31
    /// Trainable values in the whole network (1 GB of float32).
    public var maxParameters = 256 * 1024 * 1024
    /// Values in one layer's output for one image (256 MB of float32).
    public var maxActivation = 64 * 1024 * 1024

    /// The limits every command uses.
    public static let standard = ArchitectureLimits()
}
