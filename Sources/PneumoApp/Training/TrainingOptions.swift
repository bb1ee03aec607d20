import Engine
import Foundation
import PneumoData

/// Everything that decides what a training run computes, resolved from the command line and
/// stored with every checkpoint, so a run can be resumed and its result explained.
public struct TrainingOptions: Codable, Equatable, Sendable {
    /// A built-in model name or the path of an architecture JSON file.
    public var model: String
    /// Overrides the architecture's input side in pixels.
    public var inputSize: Int?
    /// Overrides the first convolution's filter count (later ones keep their ratio).
    public var width: Int?
    /// 2 (normal / pneumonia) or 3 (normal / bacterial / viral).
    public var classes: Int
    public var epochs: Int
    public var batchSize: Int
    public var optimizer: OptimizerKind
    public var learningRate: Double
    /// Momentum for `momentum`, `nesterov` and `rmsprop`.
    public var momentum: Double
    public var schedule: LearningRateSchedule
    /// L2 (SGD, Adam, RMSprop) or decoupled (AdamW) weight decay.
    public var weightDecay: Double
    public var classWeights: ClassWeighting
    /// Draw the classes equally often instead of in their natural proportions.
    public var balancedSampling: Bool
    /// Random changes applied to training images on the device.
    public var augmentation: AugmentationSettings
    /// Share of the training patients held out for validation; 0 uses the official val folder.
    public var validationFraction: Double
    /// Seeds the weights, the validation split, the batch order, dropout and augmentation.
    public var seed: UInt64
    /// Seeds the validation split alone when given, so runs of several seeds share one
    /// validation set (an ensemble of them is calibrated and thresholded on it).
    public var splitSeed: UInt64?
    /// The validation figure that picks the best checkpoint and drives early stopping and plateau schedules.
    public var monitor: ValidationMetric
    /// Epochs without improvement of `monitor` before stopping; nil trains every epoch.
    public var patience: Int?
    /// How the decision threshold is chosen on validation data (two classes).
    public var threshold: ThresholdStrategy
    /// Average the weights of this many last epochs into an `averaged` checkpoint; nil or 0: none.
    public var averageEpochs: Int?
    /// Label smoothing e: training targets move e / 2 towards the other class (binary) or spread
    /// e over all classes; nil or 0: hard targets.
    public var labelSmoothing: Double?
    /// Under mpirun, BatchNorm normalises with the statistics of the global batch over every
    /// rank (synchronised BatchNorm); nil or false: each rank uses its own slice's. Runs
    /// recorded before the option existed read as off.
    public var syncBatchNorm: Bool?
    /// Mixup and CutMix of training batches, after augmentation; nil is off. Runs recorded
    /// before the option existed read as off.
    public var mixing: MixingSettings?
    /// Calibrate the finished checkpoints on each image's logit averaged over test-time copies
    /// (`TestTimeAugmentation.standard`), so they score that way everywhere; nil or false: one
    /// pass per image. Runs recorded before the option existed read as off.
    public var testTimeAugmentation: Bool?

    private enum CodingKeys: String, CodingKey {
        case model, inputSize = "input_size", width, classes, epochs, batchSize = "batch_size", optimizer
        case learningRate = "learning_rate", momentum, schedule, weightDecay = "weight_decay"
        case classWeights = "class_weights", balancedSampling = "balanced_sampling", augmentation
        case validationFraction = "validation_fraction", seed, splitSeed = "split_seed", monitor, patience, threshold
        case averageEpochs = "average_epochs", labelSmoothing = "label_smoothing", syncBatchNorm = "sync_batchnorm"
        case mixing, testTimeAugmentation = "test_time_augmentation"
    }

    /// The defaults, chosen for `pneumonet` on this data set within a 45-minute CPU budget:
    /// AdamW (2e-3, decoupled decay 0.05) suits a batch-normalised network and converges in few
    /// epochs; a one-epoch warm-up then a cosine decay ends every run at a small rate, so the last
    /// epochs settle rather than oscillate; inverse-frequency class weights stop the 3:1
    /// pneumonia majority from buying accuracy with false alarms; augmentation fights the shift
    /// between the training and test images; a tenth of the training patients (grouped, so no
    /// patient straddles the split) gives a validation set large enough to choose the checkpoint
    /// and the threshold on, where the 16-image val folder is noise.
    public init(
        model: String = "pneumonet", inputSize: Int? = nil, width: Int? = nil, classes: Int = 2, epochs: Int = 15,
        batchSize: Int = 32, optimizer: OptimizerKind = .adamw, learningRate: Double = 2e-3, momentum: Double = 0.9,
        schedule: LearningRateSchedule = .cosine(warmupEpochs: 1, minimumFactor: 0.02), weightDecay: Double = 0.05,
        classWeights: ClassWeighting = .auto, balancedSampling: Bool = false,
        augmentation: AugmentationSettings = TrainingOptions.defaultAugmentation, validationFraction: Double = 0.1, seed: UInt64 = 42,
        monitor: ValidationMetric = .loss, patience: Int? = nil, threshold: ThresholdStrategy = .youden
    ) {
        self.model = model
        self.inputSize = inputSize
        self.width = width
        self.classes = classes
        self.epochs = epochs
        self.batchSize = batchSize
        self.optimizer = optimizer
        self.learningRate = learningRate
        self.momentum = momentum
        self.schedule = schedule
        self.weightDecay = weightDecay
        self.classWeights = classWeights
        self.balancedSampling = balancedSampling
        self.augmentation = augmentation
        self.validationFraction = validationFraction
        self.seed = seed
        self.monitor = monitor
        self.patience = patience
        self.threshold = threshold
    }

    /// One and a half times the standard strengths (15° rotation, 15% shift and zoom, 15%
    /// brightness and contrast, 30% aspect ratio): images from other sources are framed,
    /// exposed and squashed differently from the training ones, and stronger variation in
    /// training narrows that gap.
    public static let defaultAugmentation = AugmentationSettings.standard.scaled(by: 1.5)

    /// The seed of the validation split.
    public var validationSeed: UInt64 { splitSeed ?? seed }

    /// The label scheme the class count stands for.
    public var labels: LabelScheme { classes == 3 ? .threeClass : .binary }

    /// Throws `TrainingError.invalidOption` naming the first option out of range and what to use instead.
    public func validate() throws {
        func fail(_ why: String) -> TrainingError { .invalidOption(why) }
        guard classes == 2 || classes == 3 else { throw fail("--classes must be 2 (normal/pneumonia) or 3 (normal/bacterial/viral), got \(classes)") }
        guard (1...10_000).contains(epochs) else { throw fail("--epochs must be between 1 and 10000, got \(epochs)") }
        guard (1...4096).contains(batchSize) else { throw fail("--batch-size must be between 1 and 4096, got \(batchSize)") }
        guard learningRate.isFinite, learningRate > 0, learningRate < 10 else {
            throw fail("--lr must be a positive number below 10, got \(learningRate)")
        }
        guard momentum.isFinite, (0..<1).contains(momentum) else { throw fail("--momentum must be in [0, 1), got \(momentum)") }
        guard weightDecay.isFinite, weightDecay >= 0, weightDecay < 1 else {
            throw fail("--weight-decay must be in [0, 1), got \(weightDecay)")
        }
        guard validationFraction.isFinite, (0..<0.9).contains(validationFraction) else {
            throw fail("--val-fraction must be in [0, 0.9): a share of the training patients such as 0.1, or 0 for the official val folder; got \(validationFraction)")
        }
        guard seed <= UInt64(Int64.max) else { throw fail("--seed must be at most \(Int64.max), got \(seed)") }
        if let splitSeed, splitSeed > UInt64(Int64.max) { throw fail("--split-seed must be at most \(Int64.max), got \(splitSeed)") }
        if let inputSize, !(8...1024).contains(inputSize) { throw fail("--input-size must be between 8 and 1024 pixels, got \(inputSize)") }
        if let width, !(1...1024).contains(width) { throw fail("--width must be between 1 and 1024 filters, got \(width)") }
        if let patience, patience < 1 { throw fail("--patience must be at least 1 epoch, got \(patience)") }
        if let labelSmoothing, !(labelSmoothing >= 0 && labelSmoothing < 0.5) {
            throw fail("--label-smoothing must be in [0, 0.5): 0.1 is usual, 0 turns it off; got \(labelSmoothing)")
        }
        if let averageEpochs, !(0...epochs).contains(averageEpochs) {
            throw fail("--average-epochs must be between 0 and --epochs (\(epochs)), got \(averageEpochs)")
        }
        try classWeights.validate(classes: classes)
        switch schedule {
        case let .step(every, factor) where every < 1 || !(factor > 0 && factor <= 1):
            throw fail("--schedule step: the period must be >= 1 epoch and the factor in (0, 1], got \(every) and \(factor)")
        case let .cosine(warmup, floor) where warmup >= epochs || !(0...1).contains(floor):
            throw fail("--schedule cosine: warm-up (\(warmup) epochs) must be shorter than --epochs (\(epochs)) and the floor in [0, 1]")
        case let .plateau(patience, factor, _) where patience < 1 || !(factor > 0 && factor < 1):
            throw fail("--schedule plateau: patience must be >= 1 and the factor in (0, 1), got \(patience) and \(factor)")
        default:
            break
        }
        do {
            _ = try augmentation.validated()
        } catch {
            throw fail("augmentation: \(error)")
        }
        if let mixing {
            do {
                _ = try mixing.validated()
            } catch EngineError.invalidConfiguration(let why) {
                throw fail(why)
            }
        }
        if case let .targetSensitivity(value) = threshold, !(value > 0 && value <= 1) {
            throw fail("--threshold sensitivity:X needs X in (0, 1], got \(value)")
        }
    }
}
