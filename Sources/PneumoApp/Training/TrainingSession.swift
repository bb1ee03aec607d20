import Engine
import Foundation
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
    let loader: BatchLoader
    let validation: ValidationPass
    /// Loss weight per class; nil when all are 1.
    let classWeights: [Double]?
    let fingerprint: String
    let preprocessing: ImagePreprocessing
    /// Images per class in the training and validation sets.
    let trainCounts: [Int]
    let validationCounts: [Int]

    init(options: TrainingOptions, spec: ArchitectureSpec, data: TrainingData, context: ComputeContext, reporter: TrainingReporter) throws {
        try options.validate()
        self.options = options
        self.spec = spec
        let labels = options.labels
        let classNames = labels.classNames
        model = try TrainedModel(spec: spec, classNames: classNames, context: context, seed: options.seed)
        preprocessing = ImagePreprocessing(side: spec.input.size)

        let splits: [DatasetSplit] = options.validationFraction > 0 ? [.train] : [.train, .val]
        let preparation = try DatasetPreparation(
            root: data.root, labels: labels, side: spec.input.size, cacheDirectory: data.cacheDirectory,
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
        guard train.count >= options.batchSize else {
            throw TrainingError.invalidOption("--batch-size \(options.batchSize) is larger than the \(train.count) training images; lower it")
        }

        let weights = try options.classWeights.resolve(labels: train.labels, classes: classNames.count, balancedSampling: options.balancedSampling)
        classWeights = weights
        let floatWeights = weights.map { $0.map(Float.init) }
        loss = classNames.count == 2
            ? try BinaryCrossEntropy(context, classWeights: floatWeights)
            : try SoftmaxCrossEntropy(context, classWeights: floatWeights)
        optimizer = try options.optimizer.make(
            context: context, learningRate: options.learningRate, momentum: options.momentum, weightDecay: options.weightDecay)
        augmenter = options.augmentation.isIdentity
            ? nil : try Augmenter(context: context, settings: options.augmentation, seed: options.seed)
        // Full batches only: a tiny last batch gives batch norm noisy statistics.
        loader = try BatchLoader(train, options: BatchOptions(
            batchSize: options.batchSize, shuffle: true, seed: options.seed, classBalanced: options.balancedSampling,
            dropLast: true, channels: spec.input.channels, prefetch: 2))
        validation = try ValidationPass(validationSet, channels: spec.input.channels, classNames: classNames, batchSize: options.batchSize)
        fingerprint = DataFingerprint.compute(root: data.root, train: train.samples, validation: validationSet.samples)
    }

    var classNames: [String] { model.classNames }
    var context: ComputeContext { model.context }
    var network: Graph { model.network }
    var stepsPerEpoch: Int { loader.batchesPerEpoch }
    /// Dropout layers in network order: their mask counters are part of the resume state.
    var dropoutLayers: [Dropout] { network.ops.compactMap { $0 as? Dropout } }

    /// The first augmentation generator of a run, derived from its seed.
    var initialAugmentationGenerator: SeededGenerator {
        var mixer = SeededGenerator(seed: options.seed ^ 0xA5A5_5A5A_0F0F_F0F0)
        return SeededGenerator(seed: mixer.next())
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
