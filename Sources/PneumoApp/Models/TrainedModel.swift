import Engine
import Foundation
import OpenCLKit

/// A network together with what it takes to use it: its architecture, class names,
/// decision threshold and the checkpoint it came from. Train, evaluate, predict and serve
/// all go through this type to move weights between the device and checkpoint files.
public final class TrainedModel {
    public let spec: ArchitectureSpec
    public let classNames: [String]
    /// The network; for an ensemble, its first member's (Grad-CAM explains each member in turn).
    public let network: Graph
    /// The network rewritten for inference (BatchNorm folded, activations in the layers' stores):
    /// what evaluate, predict, calibration and serve run. It reads `network`'s parameters.
    public let inference: InferenceGraph
    public let context: ComputeContext
    /// The members of an ensemble, each with its own calibration; empty for a single network.
    public let members: [TrainedModel]
    /// The metadata of the checkpoint this model was loaded from, if any.
    public private(set) var metadata: CheckpointMetadata?
    /// An ensemble member's own temperature, which its ensemble's metadata records.
    var memberTemperature: Double?
    /// How images become this model's input: from the checkpoint, or today's defaults for a new model.
    public private(set) var preprocessing: InputPreprocessing
    /// The copies each image is scored over (their logits averaged); nil scores it once. Loaded
    /// from the checkpoint's calibration, whose temperature and thresholds were fitted that way.
    public var scoringAugmentation: TestTimeAugmentation?
    /// How far an image may lie from the training images before this model refuses it (see
    /// `FeatureFamiliarity`); an ensemble's members each carry their own. Nil: no such check.
    public var familiarity: FeatureFamiliarity?
    /// The inference graph that also keeps the feature layer's output, made on first use.
    var featureGraph: (layer: String, graph: InferenceGraph)?

    /// A freshly initialised model (seeded).
    public init(spec: ArchitectureSpec, classNames: [String], context: ComputeContext, seed: UInt64) throws {
        self.spec = spec
        self.classNames = classNames
        self.context = context
        network = try ModelBuilder.build(spec, classes: classNames.count, context: context, seed: seed)
        inference = try InferenceGraph(network)
        members = []
        preprocessing = InputPreprocessing(side: spec.input.size, channels: spec.input.channels)
    }

    /// An ensemble of loaded members; its input and name come from the first one.
    init(ensemble: EnsembleArchitecture, members: [TrainedModel], classNames: [String], context: ComputeContext) {
        var spec = members[0].spec
        spec.name = ensemble.name
        self.spec = spec
        self.classNames = classNames
        self.context = context
        network = members[0].network
        inference = members[0].inference
        self.members = members
        preprocessing = members[0].preprocessing
    }

    /// Loads a checkpoint (weights + metadata) and rebuilds its network, or its ensemble's
    /// networks, on `context`.
    public static func load(from location: URL, context: ComputeContext) throws -> TrainedModel {
        let checkpoint = try CheckpointStore.load(from: location)
        let paths = CheckpointPaths(location)
        try WeightSanity.check(checkpoint.tensors, file: paths.weights.path)
        let classNames = checkpoint.metadata.classNames
        let ensemble: EnsembleArchitecture?
        do {
            ensemble = try EnsembleArchitecture.decodeIfEnsemble(checkpoint.metadata.architecture)
        } catch {
            throw CheckpointError(file: paths.metadata.path, problem: .invalidMetadata, detail: "its ensemble cannot be read (\(error))")
        }
        let model: TrainedModel
        if let ensemble {
            model = try loadEnsemble(ensemble, checkpoint: checkpoint, context: context, paths: paths)
        } else {
            let spec: ArchitectureSpec
            do {
                spec = try checkpoint.metadata.architecture.decode(ArchitectureSpec.self)
            } catch {
                throw CheckpointError(
                    file: paths.metadata.path, problem: .invalidMetadata, detail: "its architecture cannot be read (\(error))")
            }
            model = try build(spec, classNames: classNames, tensors: checkpoint.tensors, context: context, paths: paths)
        }
        model.metadata = checkpoint.metadata
        model.scoringAugmentation = checkpoint.metadata.calibration?.testTimeAugmentation
        if model.members.isEmpty { model.familiarity = checkpoint.metadata.familiarity }
        let preprocessing: InputPreprocessing
        do {
            preprocessing = try checkpoint.metadata.inputPreprocessing()
        } catch {
            throw CheckpointError(file: paths.metadata.path, problem: .invalidMetadata, detail: "\(error)")
        }
        guard preprocessing.side == model.spec.input.size, preprocessing.channels == model.spec.input.channels else {
            throw CheckpointError(
                file: paths.metadata.path, problem: .invalidMetadata,
                detail: "its preprocessing makes \(preprocessing.channels) x \(preprocessing.side) px input but the architecture takes \(model.spec.input.channels) x \(model.spec.input.size)")
        }
        for member in [model] + model.members { member.preprocessing = preprocessing }
        return model
    }

    /// Checks `spec` against the weights file's header before anything is built, then builds it
    /// and copies `tensors` in.
    static func build(
        _ spec: ArchitectureSpec, classNames: [String], tensors: [NamedTensor], context: ComputeContext, paths: CheckpointPaths
    ) throws -> TrainedModel {
        _ = try ArchitecturePlan.checked(spec, classes: classNames.count, tensors: tensors, paths: paths)
        let model = try TrainedModel(spec: spec, classNames: classNames, context: context, seed: 0)
        try model.setWeights(tensors, file: paths.weights.path)
        return model
    }

    /// The decision threshold on the positive class's probability (binary models); 0.5 until
    /// one was chosen on validation data.
    public var threshold: Double { metadata?.threshold?.threshold ?? 0.5 }

    /// The input the network expects: channels and square side.
    public var input: ArchitectureSpec.Input { spec.input }

    /// Every trainable parameter and running statistic, with state-dict names (`0.weight`).
    public func weightTensors() throws -> [NamedTensor] {
        if !members.isEmpty {
            return try members.enumerated().flatMap { index, member in
                try member.weightTensors().map {
                    NamedTensor(name: EnsembleArchitecture.prefix(index) + $0.name, shape: $0.shape, values: $0.values)
                }
            }
        }
        let parameters = try network.namedParameters.map {
            NamedTensor(name: $0.name, shape: $0.parameter.value.shape, values: try $0.parameter.value.toArray())
        }
        let buffers = try network.namedBuffers.map {
            NamedTensor(name: $0.name, shape: $0.tensor.shape, values: try $0.tensor.toArray())
        }
        return parameters + buffers
    }

    /// Copies `tensors` into the network; every parameter and buffer must be present with its shape.
    public func setWeights(_ tensors: [NamedTensor], file: String = "checkpoint") throws {
        let byName = Dictionary(tensors.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let targets = network.namedParameters.map { ($0.name, $0.parameter.value) } + network.namedBuffers.map { ($0.name, $0.tensor) }
        for (name, tensor) in targets {
            guard let stored = byName[name] else {
                throw CheckpointError(file: file, problem: .invalidWeights, detail: "tensor \(name) is missing for architecture \(spec.name)")
            }
            guard stored.shape == tensor.shape else {
                throw CheckpointError(
                    file: file, problem: .invalidWeights,
                    detail: "tensor \(name) has shape \(stored.shape) but architecture \(spec.name) needs \(tensor.shape)")
            }
            try tensor.buffer.write(stored.values)
        }
    }

    /// Calibrated class probabilities for `count` images, computed in batches on the device.
    /// Binary models give `[p(normal), p(pneumonia)]` per image from the single logit, divided by
    /// the checkpoint's temperature. A non-finite output throws `NonFiniteOutputError`: no caller
    /// may read it as a probability.
    public func probabilities(_ images: ModelImages, count: Int, batchSize: Int = 32) throws -> [[Double]] {
        let logits = try logits(images, count: count, batchSize: batchSize)
        return Self.probabilities(fromLogits: logits, count: count, classes: classNames.count, temperature: temperature)
    }

    /// Probabilities for images given as prepared NCHW input values.
    public func probabilities(images: [Float], count: Int, batchSize: Int = 32) throws -> [[Double]] {
        try probabilities(.values(images), count: count, batchSize: batchSize)
    }

    /// The network's raw outputs for prepared NCHW input values.
    public func logits(images: [Float], count: Int, batchSize: Int = 32) throws -> [Float] {
        try logits(.values(images), count: count, batchSize: batchSize)
    }

    /// The network's raw outputs for `count` images, one row per image (one value for two
    /// classes), checked to be finite; under `scoringAugmentation`, their mean over its copies.
    public func logits(_ images: ModelImages, count: Int, batchSize: Int = 32) throws -> [Float] {
        try images.check(count: count, preprocessing)
        guard let augmentation = scoringAugmentation else { return try singlePassLogits(images, count: count, batchSize: batchSize) }
        return try augmentation.meanLogits(images, count: count, preprocessing) { copies, copyCount in
            try singlePassLogits(copies, count: copyCount, batchSize: batchSize)
        }
    }

    /// One pass of the network (or of each member) per image.
    private func singlePassLogits(_ images: ModelImages, count: Int, batchSize: Int) throws -> [Float] {
        if !members.isEmpty { return try ensembleLogits(images, count: count, batchSize: batchSize) }
        var result: [Float] = []
        for start in stride(from: 0, to: count, by: max(1, batchSize)) {
            let n = min(batchSize, count - start)
            let batch = try images.tensor(start: start, count: n, preprocessing, context: context)
            let logits = try inference.forward(batch).toArray()
            do {
                try Self.requireFinite(logits, images: n)
            } catch let error as NonFiniteOutputError {
                throw error.shifted(by: start)
            }
            result += logits
        }
        return result
    }

    /// The temperature the checkpoint's calibration divides logits by; 1 when uncalibrated.
    public var temperature: Double { memberTemperature ?? metadata?.calibration?.temperature ?? 1 }

    /// Throws `NonFiniteOutputError` for the first image of `images` whose logits are not all finite.
    public static func requireFinite(_ logits: [Float], images: Int) throws {
        guard let bad = logits.firstIndex(where: { !$0.isFinite }) else { return }
        throw NonFiniteOutputError(value: logits[bad], imageIndex: bad / max(1, logits.count / max(1, images)))
    }

    /// Sigmoid of one logit for two classes, softmax otherwise (in Double, on the host: the
    /// logits are tiny next to the images).
    public static func probabilities(fromLogits logits: [Float], count: Int, classes: Int, temperature: Double = 1) -> [[Double]] {
        if classes == 2 {
            return logits.prefix(count).map { logit in
                let p = 1 / (1 + exp(-Double(logit) / temperature))
                return [1 - p, p]
            }
        }
        return (0..<count).map { row in
            let values = logits[(row * classes)..<((row + 1) * classes)].map { Double($0) / temperature }
            let top = values.max() ?? 0
            let exps = values.map { exp($0 - top) }
            let total = exps.reduce(0, +)
            return exps.map { $0 / total }
        }
    }
}
