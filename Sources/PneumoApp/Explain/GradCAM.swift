import Engine

/// Grad-CAM (Selvaraju et al., 2017): where in the image the evidence for a class lies.
///
/// A forward pass keeps the explained layer's output A [N, K, h, w]; the gradient of the class
/// score (its logit; for a single-logit binary model the logit for the positive class and its
/// negative for the other) with respect to A weights each channel by its spatial mean, and the
/// map is ReLU(sum_k w_k A_k).
///
/// Everything uses inference arithmetic: no dropout, BatchNorm with its running statistics.
/// The engine's layers keep what `backward` needs only after a training-mode forward, so the
/// layers after A run in whichever mode computes exactly the inference result: BatchNorm in
/// inference mode (its backward then treats the running statistics as constants), Dropout not
/// at all (it is the identity in inference), and every other supported layer, whose forward
/// does not depend on the mode, in training mode. Nothing is updated: no optimizer runs, no
/// running statistic moves, no dropout step advances.
///
/// Not thread-safe (layers remember their last forward): one caller at a time per model.
public final class GradCAM {
    /// The model explained.
    public let model: TrainedModel
    /// Index in `model.network.layers` of the layer whose output is A.
    public let layerIndex: Int
    /// The layers after A that take part, with the mode each runs in.
    private let tail: [(layer: Layer, mode: Mode)]
    /// One explainer per member of an ensemble (whose maps are averaged); empty otherwise.
    let memberExplainers: [GradCAM]

    /// Explains `model` at `layerIndex`, by default the last convolution after its
    /// activation (see `defaultLayerIndex`).
    public init(model: TrainedModel, layerIndex: Int? = nil) throws {
        if !model.members.isEmpty {
            memberExplainers = try model.members.map { try GradCAM(model: $0, layerIndex: layerIndex) }
            self.model = model
            self.layerIndex = memberExplainers[0].layerIndex
            tail = []
            return
        }
        memberExplainers = []
        let network = model.network
        let shapes = try network.outputShapes(batch: 1)
        guard let index = try layerIndex ?? Self.defaultLayerIndex(in: network) else {
            throw ExplainError.noSpatialLayer(model: model.spec.name)
        }
        guard shapes.indices.contains(index) else {
            throw ExplainError.invalidLayer(index: index, reason: "the model has layers 0...\(shapes.count - 1)")
        }
        guard shapes[index].count == 4 else {
            throw ExplainError.invalidLayer(index: index, reason: "its output \(shapes[index]) is not [N, C, H, W]")
        }
        if let norm = network.layers[index] as? BatchNorm, norm.fusedReLU {
            // Its output already went through the ReLU that follows it (see Sequential).
            throw ExplainError.invalidLayer(
                index: index, reason: "this BatchNorm applies the ReLU after it in the same pass; explain layer \(index + 1) instead")
        }
        let outputs = model.classNames.count == 2 ? 1 : model.classNames.count
        guard shapes.last == [1, outputs] else {
            throw ExplainError.invalidLayer(
                index: shapes.count - 1, reason: "the model's output \(shapes.last ?? []) is not one logit per class ([1, \(outputs)])")
        }
        var tail: [(layer: Layer, mode: Mode)] = []
        for position in (index + 1)..<network.layers.count {
            let layer = network.layers[position]
            switch Self.tailRole(of: layer) {
            case .skipped: continue
            case .runs(let mode): tail.append((layer, mode))
            case .unsupported: throw ExplainError.unsupportedLayer(index: position, kind: layer.kind)
            }
        }
        self.model = model
        self.layerIndex = index
        self.tail = tail
    }

    /// The last convolution, moved past the activation, normalisation and dropout layers that
    /// directly follow it (so A is what the next block sees); without convolutions, the last
    /// layer with an image-shaped output; nil when there is none.
    public static func defaultLayerIndex(in network: Sequential) throws -> Int? {
        let shapes = try network.outputShapes(batch: 1)
        let layers = network.layers
        guard var index = layers.lastIndex(where: { $0 is Conv2D }) else {
            return shapes.lastIndex { $0.count == 4 }
        }
        while index + 1 < layers.count, isPointwise(layers[index + 1]) { index += 1 }
        return index
    }

    /// "7 ReLU", for logs and the model description.
    public var layerDescription: String {
        let layer = "\(layerIndex) \(model.network.layers[layerIndex].kind)"
        return memberExplainers.isEmpty ? layer : "\(layer), averaged over \(memberExplainers.count) members"
    }

    /// Probabilities and Grad-CAM maps for `count` images given as prepared NCHW input values.
    public func explain(images: [Float], count: Int, target: GradCAMTarget = .predicted, batchSize: Int = 16) throws -> [Explanation] {
        try explain(.values(images), count: count, target: target, batchSize: batchSize)
    }

    /// Probabilities and Grad-CAM maps for `count` images, computed in batches of `batchSize`.
    public func explain(_ images: ModelImages, count: Int, target: GradCAMTarget = .predicted, batchSize: Int = 16) throws -> [Explanation] {
        if !memberExplainers.isEmpty { return try explainEnsemble(images, count: count, target: target, batchSize: batchSize) }
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
        let network = model.network
        guard Array(batch.shape.dropFirst()) == network.inputShape else {
            throw EngineError.shapeMismatch("model expects input [N, \(network.inputShape.map(String.init).joined(separator: ", "))], got \(batch.shape)")
        }
        var x = batch
        for layer in network.layers[...layerIndex] { x = try layer.forward(x, mode: .inference) }
        let activation = x
        for (layer, mode) in tail { x = try layer.forward(x, mode: mode) }
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
        var gradient = try Tensor(model.context, shape: x.shape, values: seed)
        for (layer, _) in tail.reversed() { gradient = try layer.backward(gradient) }
        return GradCAMPass(
            logits: logits, activation: try activation.toArray(), gradient: try gradient.toArray(),
            activationShape: activation.shape, explainedClasses: explained)
    }

    private enum TailRole {
        case runs(Mode), skipped, unsupported
    }

    private static func tailRole(of layer: Layer) -> TailRole {
        switch layer {
        case is BatchNorm: return .runs(.inference)
        case is Dropout: return .skipped
        case is Conv2D, is Dense, is ReLU, is LeakyReLU, is Sigmoid, is Tanh, is Softmax,
             is MaxPool2D, is AvgPool2D, is GlobalAvgPool, is Flatten:
            return .runs(.training)
        default: return .unsupported
        }
    }

    private static func isPointwise(_ layer: Layer) -> Bool {
        layer is ReLU || layer is LeakyReLU || layer is Sigmoid || layer is Tanh || layer is BatchNorm || layer is Dropout
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
