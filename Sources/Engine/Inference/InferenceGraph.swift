import Foundation
import OpenCLKit

/// A model's graph rewritten for inference only (`InferenceFusion`): each convolution or dense
/// layer absorbs the BatchNorm, ReLU and max pool after it, the BatchNorm folded into its
/// weights. It runs the source graph's op objects, so it always computes with their current
/// parameters; training, gradients (Grad-CAM), checkpoints and ONNX export use the source graph.
public final class InferenceGraph {
    /// Set to 0 to run inference on the unfolded graph instead (to compare the two).
    public static let foldingVariable = "PNEUMO_FOLD_INFERENCE"

    /// The graph whose ops this one runs.
    public let source: Graph
    /// Whether the rewrite was applied.
    public let folded: Bool
    private let graph: Graph

    /// The rewrite of `source`, unless `PNEUMO_FOLD_INFERENCE=0` in `environment` (or `fold` is
    /// false), which keeps the source graph's steps.
    public init(_ source: Graph, fold: Bool? = nil, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        self.source = source
        folded = fold ?? (environment[InferenceGraph.foldingVariable] != "0")
        guard folded else {
            graph = source
            return
        }
        let keeping = source.observed.union([source.outputName])
        graph = try Graph(
            inputShape: source.inputShape, nodes: InferenceFusion.rewrite(source.nodes, keeping: keeping),
            output: source.outputName, observing: source.observed)
    }

    /// What runs, in order (fused inference ops under the name of their chain's last node).
    public var steps: [Graph.Step] { graph.steps }

    /// The output shape of every step by name, with the input's under "input".
    public func shapes(batch: Int) throws -> [String: [Int]] { try graph.shapes(batch: batch) }

    /// `forward` with the work of each step wrapped by `around` (to time it), planned like a
    /// plain pass, under the same key.
    public func forward(_ input: Tensor, around: Graph.StepWrapper) throws -> Tensor {
        try planned(input) { try graph.run(input, keeping: [], mode: { _ in .run(.inference) }, around: around).output }
    }

    /// The model's output for `input` [N, inputShape...], running statistics, no dropout.
    public func forward(_ input: Tensor) throws -> Tensor {
        try planned(input) { try graph.forward(input, mode: .inference) }
    }

    /// The outputs of `names` for `input`, read back to the host: nodes the source graph
    /// observes, so the rewrite kept them (a model's feature layer, say).
    public func observedOutputs(_ input: Tensor, _ names: [String]) throws -> [String: [Float]] {
        for name in names where !source.observed.contains(name) {
            throw EngineError.invalidConfiguration("node '\(name)' is not observed by the graph, so inference may fuse it away")
        }
        return try planned(input) {
            try graph.run(input, keeping: names, mode: { _ in .run(.inference) }).kept.mapValues { try $0.toArray() }
        }
    }

    /// Batches of one shape repeat the same allocations: plan them (see `ComputeContext.repeating`).
    private func planned<Result>(_ input: Tensor, _ pass: () throws -> Result) throws -> Result {
        try input.context.repeating("inference \(ObjectIdentifier(self)) \(input.shape)", pass)
    }
}
