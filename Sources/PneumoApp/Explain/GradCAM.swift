import Engine

/// Grad-CAM (Selvaraju et al., 2017): where in the image the evidence for a class lies.
///
/// A forward pass keeps the explained node's output A [N, K, h, w]; the gradient of the class
/// score (its logit; for a single-logit binary model the logit for the positive class and its
/// negative for the other) with respect to A weights each channel by its spatial mean, and the
/// map is ReLU(sum_k w_k A_k). Any node with an image-shaped output can be explained.
///
/// Everything uses inference arithmetic: no dropout, BatchNorm with its running statistics.
/// The explainer runs the model's nodes unfused (the same op objects): nodes after A run in
/// whichever mode computes exactly the inference result and keeps what backward needs:
/// BatchNorm in inference mode (its backward then treats the running statistics as
/// constants), Dropout as the identity, and every other supported op, whose forward does not
/// depend on the mode, in training mode. Nothing is updated: no optimizer runs, no running
/// statistic moves, no dropout step advances.
///
/// Not thread-safe (ops remember their last forward): one caller at a time per model.
public final class GradCAM {
    /// The model explained.
    public let model: TrainedModel
    /// The name of the node whose output is A (for a chain of layers, its index).
    public let node: String
    /// The model's nodes, unfused, and how each step runs.
    private let graph: Graph?
    private let modes: [String: Graph.StepMode]
    /// One explainer per member of an ensemble (whose maps are averaged); empty otherwise.
    let memberExplainers: [GradCAM]

    /// Explains `model` at node `node`, by default the last convolution after its
    /// activation (see `defaultNode`).
    public init(model: TrainedModel, node: String? = nil) throws {
        if !model.members.isEmpty {
            memberExplainers = try model.members.map { try GradCAM(model: $0, node: node) }
            self.model = model
            self.node = memberExplainers[0].node
            graph = nil
            modes = [:]
            return
        }
        memberExplainers = []
        let network = try model.network.rebuilt(observing: [], fuse: false)
        let shapes = try network.shapes(batch: 1)
        guard let name = try node ?? Self.defaultNode(in: network) else {
            throw ExplainError.noSpatialLayer(model: model.spec.name)
        }
        guard let shape = shapes[name], name != Graph.inputName else {
            throw ExplainError.invalidLayer(
                node: name, reason: "the model has no such node; its nodes are \(network.nodes.map(\.name).joined(separator: ", "))")
        }
        guard shape.count == 4 else {
            throw ExplainError.invalidLayer(node: name, reason: "its output \(shape) is not [N, C, H, W]")
        }
        let outputs = model.classNames.count == 2 ? 1 : model.classNames.count
        guard shapes[network.outputName] == [1, outputs] else {
            throw ExplainError.invalidLayer(
                node: network.outputName,
                reason: "the model's output \(shapes[network.outputName] ?? []) is not one logit per class ([1, \(outputs)])")
        }
        var after: Set<String> = [name]
        var modes = [String: Graph.StepMode]()
        for step in network.steps {
            guard step.inputs.contains(where: after.contains) else {
                modes[step.name] = .run(.inference)
                continue
            }
            after.insert(step.name)
            switch step.op {
            case is BatchNorm: modes[step.name] = .run(.inference)
            case is Dropout: modes[step.name] = .identity
            case is Conv2D, is Dense, is ReLU, is LeakyReLU, is Sigmoid, is Tanh, is Softmax,
                 is MaxPool2D, is AvgPool2D, is GlobalAvgPool, is Flatten, is Add, is Concat:
                modes[step.name] = .run(.training)
            default: throw ExplainError.unsupportedLayer(node: step.name, kind: step.op.kind)
            }
        }
        self.model = model
        self.node = name
        self.graph = network
        self.modes = modes
    }

    /// For a chain, the last convolution, moved past the activation, normalisation and dropout
    /// nodes that alone read it (so A is what the next block sees); for a graph with branches
    /// (where the last convolution may sit on a shortcut), and without convolutions, the last
    /// node with an image-shaped output; nil when there is none.
    public static func defaultNode(in network: Graph) throws -> String? {
        let shapes = try network.shapes(batch: 1)
        let nodes = network.nodes
        guard network.isChain, var index = nodes.lastIndex(where: { $0.op is Conv2D }) else {
            return nodes.last { shapes[$0.name]?.count == 4 }?.name
        }
        func readers(_ name: String) -> [Graph.Node] { nodes.filter { $0.inputs.contains(name) } }
        while case let next = readers(nodes[index].name), next.count == 1, isPointwise(next[0].op),
              let position = nodes.firstIndex(where: { $0.name == next[0].name }) {
            index = position
        }
        return nodes[index].name
    }

    /// "7 ReLU", for logs and the model description.
    public var layerDescription: String {
        let kind = model.network.node(named: node)?.op.kind ?? model.members.first?.network.node(named: node)?.op.kind ?? "?"
        let layer = "\(node) \(kind)"
        return memberExplainers.isEmpty ? layer : "\(layer), averaged over \(memberExplainers.count) members"
    }

    /// Probabilities and Grad-CAM maps for `count` images given as prepared NCHW input values.
    public func explain(images: [Float], count: Int, target: GradCAMTarget = .predicted, batchSize: Int = 16) throws -> [Explanation] {
        try explain(.values(images), count: count, target: target, batchSize: batchSize)
    }

    /// Probabilities and Grad-CAM maps for `count` images, computed in batches of `batchSize`.
    public func explain(_ images: ModelImages, count: Int, target: GradCAMTarget = .predicted, batchSize: Int = 16) throws -> [Explanation] {
        if !memberExplainers.isEmpty { return try explainEnsemble(images, count: count, target: target, batchSize: batchSize) }
        if model.scoringAugmentation != nil { return try explainAugmented(images, count: count, target: target, batchSize: batchSize) }
        return try explainSinglePass(images, count: count, target: target, batchSize: batchSize)
    }

    /// Probabilities and maps from one pass over each image as it is.
    func explainSinglePass(_ images: ModelImages, count: Int, target: GradCAMTarget, batchSize: Int) throws -> [Explanation] {
        try images.check(count: count, model.preprocessing)
        var explanations: [Explanation] = []
        explanations.reserveCapacity(count)
        for start in stride(from: 0, to: count, by: max(1, batchSize)) {
            let n = min(max(1, batchSize), count - start)
            let batch = try images.tensor(start: start, count: n, model.preprocessing, context: model.context)
            explanations += try explain(batch: batch, target: target)
        }
        return explanations
    }

    /// Probabilities and Grad-CAM maps for one batch already on the device.
    public func explain(batch: Tensor, target: GradCAMTarget = .predicted) throws -> [Explanation] {
        let pass = try run(batch, target: target)
        let n = batch.batch
        let probabilities = TrainedModel.probabilities(fromLogits: pass.logits, count: n, classes: model.classNames.count, temperature: model.temperature)
        let shape = pass.activationShape
        let channels = shape[1], plane = shape[2] * shape[3]
        return try (0..<n).map { image in
            let base = image * channels * plane
            let weights = (0..<channels).map { channel -> Double in
                let start = base + channel * plane
                return pass.gradient[start..<(start + plane)].reduce(0.0) { $0 + Double($1) } / Double(plane)
            }
            var map = [Float](repeating: 0, count: plane)
            for pixel in 0..<plane {
                var sum = 0.0
                for channel in 0..<channels { sum += weights[channel] * Double(pass.activation[base + channel * plane + pixel]) }
                map[pixel] = Float(max(0, sum))
            }
            return Explanation(
                probabilities: probabilities[image],
                predictedClass: ImageScoring.predictedClass(probabilities[image], threshold: model.threshold),
                explainedClass: pass.explainedClasses[image], map: try Heatmap(width: shape[3], height: shape[2], values: map))
        }
    }

    /// One forward and backward pass: the logits, A and the gradient of each image's class score
    /// with respect to A, read back to the host.
    public func run(_ batch: Tensor, target: GradCAMTarget) throws -> GradCAMPass {
        guard let graph else { throw ExplainError.invalidLayer(node: node, reason: "an ensemble is explained member by member") }
        let modes = self.modes
        let pass = try graph.run(batch, keeping: [node]) { modes[$0.name] ?? .run(.inference) }
        let x = pass.output
        guard let activation = pass.kept[node] else { throw ExplainError.invalidLayer(node: node, reason: "its output was not kept") }
        let logits = try x.toArray()
        let n = batch.batch, outputs = x.shape[1], classes = model.classNames.count
        try TrainedModel.requireFinite(logits, images: n)
        let probabilities = TrainedModel.probabilities(fromLogits: logits, count: n, classes: classes, temperature: model.temperature)
        let explained = try probabilities.map { row -> Int in
            switch target {
            case .predicted: return ImageScoring.predictedClass(row, threshold: model.threshold)
            case .classIndex(let index):
                guard (0..<classes).contains(index) else { throw ExplainError.invalidClass(index: index, classes: classes) }
                return index
            }
        }
        // d(score)/d(logits): one-hot, or ±1 on the single logit of a binary model.
        var seed = [Float](repeating: 0, count: n * outputs)
        for (image, classIndex) in explained.enumerated() {
            if outputs == 1 {
                seed[image] = classIndex == 1 ? 1 : -1
            } else {
                seed[image * outputs + classIndex] = 1
            }
        }
        let seedGradient = try Tensor(model.context, shape: x.shape, values: seed)
        let gradient = try graph.backpropagate(seedGradient, to: node) { modes[$0.name] ?? .run(.inference) }
        return GradCAMPass(
            logits: logits, activation: try activation.toArray(), gradient: try gradient.toArray(),
            activationShape: activation.shape, explainedClasses: explained)
    }

    private static func isPointwise(_ op: any Op) -> Bool {
        op is ReLU || op is LeakyReLU || op is Sigmoid || op is Tanh || op is BatchNorm || op is Dropout
    }
}

/// Which class's score a Grad-CAM map explains.
public enum GradCAMTarget: Equatable, Sendable {
    /// The class the model decides on (by the threshold for binary models).
    case predicted
    /// The class at this index of the model's class names.
    case classIndex(Int)
}

/// What one Grad-CAM pass over a batch read back: logits [N, outputs], A [N, K, h, w] and
/// d(class score)/dA, all row-major.
public struct GradCAMPass: Sendable {
    /// The network's output, [N, outputs].
    public let logits: [Float]
    /// A, the explained layer's output.
    public let activation: [Float]
    /// d(class score)/dA, shaped like A.
    public let gradient: [Float]
    /// The shape of A.
    public let activationShape: [Int]
    /// The class explained for each image.
    public let explainedClasses: [Int]
}
