import Engine
import Foundation
import OpenCLKit
import PneumoData

/// The parts of a run built from its options: data, model, loss, optimizer and augmentation.
/// Built the same way for a fresh run and a resumed one, so both draw the same numbers.
final class TrainingSession {
    let options: TrainingOptions
    let spec: ArchitectureSpec
    let model: TrainedModel
    let optimizer: Optimizer
    let loss: Loss
    /// Nil when augmentation is off.
    let augmenter: Augmenter?
    /// Nil when mixing (mixup, CutMix) is off.
    let mixer: Mixer?
    let loader: BatchLoader
    let validation: ValidationPass
    /// Loss weight per class; nil when all are 1.
    let classWeights: [Double]?
    let fingerprint: String
    /// Images per class in the training and validation sets.
    let trainCounts: [Int]
    let validationCounts: [Int]
    /// The processes training this model together; each takes its slice of every batch.
    let group: ProcessGroup

    init(
        options: TrainingOptions, spec: ArchitectureSpec, data: TrainingData, context: ComputeContext, reporter: TrainingReporter,
        group: ProcessGroup = .single
    ) throws {
        try options.validate()
        self.options = options
        self.group = group
        self.spec = spec
        let labels = options.labels
        let classNames = labels.classNames
        model = try TrainedModel(spec: spec, classNames: classNames, context: context, seed: options.seed)

        let splits: [DatasetSplit] = options.validationFraction > 0 ? [.train] : [.train, .val]
        let preparation = try DatasetPreparation(
            root: data.root, labels: labels, side: model.preprocessing.side, cacheDirectory: data.cacheDirectory,
            useCache: data.useCache, splits: splits)
        let (train, validationSet, reports) = try preparation.trainingAndValidation(
            validationFraction: options.validationFraction, seed: options.validationSeed)
        for (name, report) in zip(["train", "val"], reports) { reporter.status("\(name) images: \(report)") }

        trainCounts = Self.counts(train.labels, classes: classNames.count)
        validationCounts = Self.counts(validationSet.labels, classes: classNames.count)
        let source = options.validationFraction > 0 ? "\(Int((options.validationFraction * 100).rounded()))% of train, grouped by patient" : "the val folder"
        reporter.status("training on \(train.count) images \(Self.describe(trainCounts, classNames)); validating on \(validationSet.count) (\(source)) \(Self.describe(validationCounts, classNames))")
        try ClassCoverage.check(
            trainCounts: trainCounts, validationCounts: validationCounts, classNames: classNames,
            validationFraction: options.validationFraction, trainFolder: data.root.appendingPathComponent("train"))
        let globalBatch = options.batchSize * group.size
        guard train.count >= globalBatch else {
            let batch = group.size > 1 ? "the global batch \(globalBatch) (--batch-size \(options.batchSize) x \(group.size) processes)" : "--batch-size \(options.batchSize)"
            throw TrainingError.invalidOption("\(batch) is larger than the \(train.count) training images; lower it")
        }

        let weights = try options.classWeights.resolve(labels: train.labels, classes: classNames.count, balancedSampling: options.balancedSampling)
        classWeights = weights
        let floatWeights = weights.map { $0.map(Float.init) }
        let smoothing = Float(options.labelSmoothing ?? 0)
        loss = classNames.count == 2
            ? try BinaryCrossEntropy(context, classWeights: floatWeights, labelSmoothing: smoothing)
            : try SoftmaxCrossEntropy(context, classWeights: floatWeights, labelSmoothing: smoothing)
        optimizer = try options.optimizer.make(
            context: context, learningRate: options.learningRate, momentum: options.momentum, weightDecay: options.weightDecay)
        let firstAugmentation = RankStreams.augmentation(Self.initialAugmentationGenerator(seed: options.seed), rank: group.rank)
        augmenter = options.augmentation.isIdentity
            ? nil : try Augmenter(context: context, settings: options.augmentation, seed: firstAugmentation.state)
        mixer = options.mixing.map { !$0.isOff } == true ? try Mixer(context: context) : nil
        // Full batches only: a tiny last batch gives batch norm noisy statistics. The loader cuts
        // global batches; each rank builds its own slice of them.
        loader = try BatchLoader(train, options: BatchOptions(
            batchSize: globalBatch, shuffle: true, seed: options.seed, classBalanced: options.balancedSampling,
            dropLast: true, prefetch: 2))
        validation = ValidationPass(validationSet, classNames: classNames, batchSize: options.batchSize)
        fingerprint = DataFingerprint.compute(root: data.root, train: train.samples, validation: validationSet.samples)
        for layer in dropoutLayers { layer.step = RankStreams.firstDropoutStep(rank: group.rank) }
    }

    var classNames: [String] { model.classNames }
    var context: ComputeContext { model.context }
    var network: Graph { model.network }
    /// How the run's images become input: written into its checkpoints, used for every batch.
    var preprocessing: InputPreprocessing { model.preprocessing }
    var stepsPerEpoch: Int { loader.batchesPerEpoch }
    /// Dropout layers in network order: their mask counters are part of the resume state.
    var dropoutLayers: [Dropout] { network.ops.compactMap { $0 as? Dropout } }

    /// The first augmentation generator of a run, derived from its seed.
    static func initialAugmentationGenerator(seed: UInt64) -> SeededGenerator {
        var mixer = SeededGenerator(seed: seed ^ 0xA5A5_5A5A_0F0F_F0F0)
        return SeededGenerator(seed: mixer.next())
    }

    /// This rank's random streams, read from and restored into the augmenter and the dropout layers.
    var streams: RankStreams {
        get {
            RankStreams(
                augmentation: augmenter?.randomState
                    ?? RankStreams.augmentation(Self.initialAugmentationGenerator(seed: options.seed), rank: group.rank),
                dropoutSteps: dropoutLayers.map(\.step))
        }
    }

    /// How batch `batch` of `epoch`, of `count` images, is mixed; nil when mixing
    /// is off or this batch is left unmixed.
    func mixingPlan(epoch: Int, batch: Int, count: Int) -> MixingPlan? {
        guard mixer != nil, let settings = options.mixing else { return nil }
        var generator = MixingStream.generator(seed: options.seed, rank: group.rank, epoch: epoch, batch: batch)
        let side = preprocessing.side
        return MixingPlan.draw(count: count, width: side, height: side, settings: settings, generator: &generator)
    }

    /// Continues the streams saved in a resume checkpoint.
    func restore(_ streams: RankStreams, file: String) throws {
        let dropouts = dropoutLayers
        guard dropouts.count == streams.dropoutSteps.count else {
            throw TrainingError.resumeMismatch("\(file) has \(streams.dropoutSteps.count) dropout counters but the model has \(dropouts.count) dropout layers")
        }
        for (layer, step) in zip(dropouts, streams.dropoutSteps) { layer.step = step }
        augmenter?.randomState = streams.augmentation
    }

    /// The batches of `epoch` this rank trains on: its slice of every global batch.
    func batches(epoch: Int) -> PrefetchingBatches {
        loader.batches(epoch: epoch, part: group.rank, of: group.size)
    }

    private static func counts(_ labels: [Int], classes: Int) -> [Int] {
        var counts = [Int](repeating: 0, count: classes)
        for label in labels where (0..<classes).contains(label) { counts[label] += 1 }
        return counts
    }

    private static func describe(_ counts: [Int], _ names: [String]) -> String {
        "(" + zip(names, counts).map { "\($1) \($0)" }.joined(separator: ", ") + ")"
    }
}
