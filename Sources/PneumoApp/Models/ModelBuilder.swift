import Engine
import OpenCLKit

/// Turns an architecture description into an engine graph with seeded initial weights.
public enum ModelBuilder {
    /// Builds `spec` for `classes` classes (2 gives a single logit). Dropout layers draw their
    /// masks from seeds derived from `seed`, so a run is reproducible end to end.
    public static func build(_ spec: ArchitectureSpec, classes: Int, context: ComputeContext, seed: UInt64) throws -> Graph {
        guard classes >= 2 else { throw ArchitectureError.invalid(spec.name, "a classifier needs at least 2 classes, got \(classes)") }
        // Sizes are checked on the host first: a failed device allocation can abort the process.
        _ = try ArchitecturePlan.make(spec, classes: classes)
        var rng = SeededGenerator(seed: seed)
        var shapes = [Graph.inputName: [1, spec.input.channels, spec.input.size, spec.input.size]]
        var nodes: [Graph.Node] = []
        let resolved = try spec.resolvedNodes()
        for node in resolved {
            let inputs = node.inputs.map { shapes[$0]! }
            let built: [any Op]
            do {
                built = try makeOps(node.layer, inputShapes: inputs, classes: classes, context: context, rng: &rng)
            } catch let problem as LayerProblem {
                throw node.error(problem.message)
            } catch {
                throw node.error("\(node.layer.type): \(error)")
            }
            var reads = node.inputs
            for (op, name) in zip(built, [node.mainName, node.activationName].compactMap { $0 }) {
                do {
                    shapes[name] = try op.outputShape(forInputs: reads.map { shapes[$0]! })
                } catch {
                    throw node.error("\(node.layer.type) cannot take input \(reads.map { "\(shapes[$0]!.dropFirst())" }.joined(separator: ", ")): \(error)")
                }
                nodes.append(Graph.Node(name, op, inputs: reads))
                reads = [name]
            }
        }
        return try Graph(
            inputShape: [spec.input.channels, spec.input.size, spec.input.size], nodes: nodes, output: resolved.last?.outputName)
    }

    private static func makeOps(
        _ spec: LayerSpec, inputShapes: [[Int]], classes: Int, context: ComputeContext, rng: inout SeededGenerator
    ) throws -> [any Op] {
        func fail(_ why: String) -> LayerProblem { LayerProblem(message: "\(spec.type): \(why)") }
        let initializer = try spec.initializer.map(parseInitializer) ?? .heNormal
        let inputShape = inputShapes[0]
        var layers: [any Op]
        switch spec.type {
        case "Add":
            layers = [Add()]
        case "Concat":
            layers = [Concat()]
        case "Conv2D":
            guard inputShape.count == 4 else { throw fail("needs an image input [C, H, W], got \(inputShape.dropFirst())") }
            guard let filters = spec.filters, filters > 0 else { throw fail("needs \"filters\" > 0") }
            let padding = try spec.convolutionPadding()
            layers = [try Conv2D(
                context, inputChannels: inputShape[1], filters: filters, kernelSize: spec.kernel ?? 3,
                stride: spec.stride ?? 1, padding: padding, rng: &rng, initializer: initializer)]
        case "Dense":
            guard inputShape.count == 2 else { throw fail("needs a flat input; add a Flatten or GlobalAvgPool before it") }
            let units: Int
            switch spec.units {
            case let .fixed(value)?: units = value
            case .output?: units = classes == 2 ? 1 : classes
            case nil: throw fail("needs \"units\" (a number, or \"output\" for the classifier head)")
            }
            guard units > 0 else { throw fail("units must be positive") }
            layers = [try Dense(context, inputFeatures: inputShape[1], outputFeatures: units, rng: &rng, initializer: initializer)]
        case "MaxPool2D":
            layers = [try MaxPool2D(context, size: spec.size ?? 2, stride: spec.stride)]
        case "AvgPool2D":
            layers = [try AvgPool2D(context, size: spec.size ?? 2, stride: spec.stride)]
        case "GlobalAvgPool":
            layers = [try GlobalAvgPool(context)]
        case "Flatten":
            layers = [Flatten()]
        case "Dropout":
            let rate = spec.rate ?? 0.5
            guard (0..<1).contains(rate) else { throw fail("rate must be in [0, 1), got \(rate)") }
            layers = [try Dropout(context, rate: Float(rate), seed: rng.next())]
        case "BatchNorm":
            guard inputShape.count == 4 || inputShape.count == 2 else { throw fail("needs [C, H, W] or [F] input") }
            layers = [try BatchNorm(
                context, channels: inputShape[1], momentum: Float(spec.momentum ?? 0.1), epsilon: Float(spec.epsilon ?? 1e-5))]
        case "ReLU", "LeakyReLU", "Sigmoid", "Tanh":
            layers = []
        default:
            throw spec.unknownTypeProblem
        }
        let activation = spec.activationName
        if let activation { layers.append(try makeActivation(activation, slope: spec.slope, context: context)) }
        return layers
    }

    private static func makeActivation(_ name: String, slope: Double?, context: ComputeContext) throws -> any Op {
        switch name {
        case "relu": return ReLU(context)
        case "leaky_relu": return try LeakyReLU(context, slope: Float(slope ?? 0.01))
        case "sigmoid": return Sigmoid(context)
        case "tanh": return Tanh(context)
        default: throw LayerProblem(message: "unknown activation \(name); use relu, leaky_relu, sigmoid or tanh")
        }
    }

    private static func parseInitializer(_ name: String) throws -> Initializer {
        let names: [String: Initializer] = [
            "he_normal": .heNormal, "he_uniform": .heUniform, "glorot_uniform": .glorotUniform, "glorot_normal": .glorotNormal,
        ]
        guard let initializer = names[name] else {
            throw LayerProblem(message: "unknown initializer \(name); use \(names.keys.sorted().joined(separator: ", "))")
        }
        return initializer
    }
}

/// A problem with one layer's options; `build` adds the layer's index.
struct LayerProblem: Error {
    let message: String
}
