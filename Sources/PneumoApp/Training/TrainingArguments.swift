import Engine

/// The training options as the command line gives them (nil = not given), turned into
/// `TrainingOptions` with every default filled in and every value checked.
public struct TrainingArguments: Equatable, Sendable {
    /// `default` or `notebook`: the options the others start from.
    public var recipe: String?
    public var model: String?
    public var classes: Int?
    public var inputSize: Int?
    public var width: Int?
    public var epochs: Int?
    public var batchSize: Int?
    public var optimizer: String?
    public var learningRate: Double?
    public var momentum: Double?
    public var schedule: String?
    public var weightDecay: Double?
    public var classWeights: String?
    public var balancedSampling: Bool?
    /// `none`, `standard` or a strength factor; the single switches below override it.
    public var augment: String?
    public var rotation: Double?
    public var shift: Double?
    public var zoom: Double?
    public var brightness: Double?
    public var contrast: Double?
    public var aspect: Double?
    public var flip: Bool?
    public var gamma: Double?
    public var erase: Double?
    public var eraseArea: Double?
    public var localContrast: Double?
    /// Mixup's and CutMix's Beta alpha (0 is off), and the share of batches mixed.
    public var mixup: Double?
    public var cutmix: Double?
    public var mixProbability: Double?
    public var validationFraction: Double?
    public var seed: UInt64?
    public var splitSeed: UInt64?
    public var monitor: String?
    public var patience: Int?
    public var averageEpochs: Int?
    public var labelSmoothing: Double?
    /// True for `--sync-batchnorm`; nil when not given.
    public var syncBatchNorm: Bool?
    public var threshold: String?
    /// `--tta` / `--no-tta`: calibrate with test-time augmentation; nil when not given.
    public var testTimeAugmentation: Bool?

    public init() {}

    /// The command-line names of the options that were given, for refusing them alongside `--resume`.
    public var givenOptions: [String] {
        let all: [(String, Any?)] = [
            ("--recipe", recipe), ("--model", model), ("--classes", classes), ("--input-size", inputSize), ("--width", width), ("--epochs", epochs),
            ("--batch-size", batchSize), ("--optimizer", optimizer), ("--lr", learningRate), ("--momentum", momentum),
            ("--schedule", schedule), ("--weight-decay", weightDecay), ("--class-weights", classWeights),
            ("--balanced", balancedSampling), ("--augment", augment), ("--rotation", rotation), ("--shift", shift),
            ("--zoom", zoom), ("--brightness", brightness), ("--contrast", contrast), ("--aspect", aspect), ("--flip", flip),
            ("--gamma", gamma), ("--erase", erase), ("--erase-area", eraseArea), ("--local-contrast", localContrast),
            ("--mixup", mixup), ("--cutmix", cutmix), ("--mix-probability", mixProbability),
            ("--val-fraction", validationFraction), ("--seed", seed), ("--split-seed", splitSeed), ("--monitor", monitor), ("--patience", patience), ("--average-epochs", averageEpochs),
            ("--label-smoothing", labelSmoothing), ("--sync-batchnorm", syncBatchNorm),
            ("--threshold", threshold), ("--tta", testTimeAugmentation),
        ]
        return all.filter { $0.1 != nil }.map(\.0)
    }

    /// The options with defaults for whatever was not given; throws `TrainingError.invalidOption` for bad values.
    public func resolve() throws -> TrainingOptions {
        let start = try recipe.map(TrainingRecipe.init(parsing:)) ?? .default
        var options = start.options(model: model ?? TrainingOptions().model)
        if let classes { options.classes = classes }
        options.inputSize = inputSize
        options.width = width
        if let epochs { options.epochs = epochs }
        if let batchSize { options.batchSize = batchSize }
        if let optimizer { options.optimizer = try OptimizerKind(parsing: optimizer) }
        if let learningRate { options.learningRate = learningRate }
        if let momentum { options.momentum = momentum }
        if let schedule {
            options.schedule = try LearningRateSchedule(parsing: schedule)
        } else if options.epochs < 2, case let .cosine(_, floor) = options.schedule {
            // The default warm-up epoch would leave a one-epoch run no time to anneal.
            options.schedule = .cosine(warmupEpochs: 0, minimumFactor: floor)
        }
        if let weightDecay { options.weightDecay = weightDecay }
        if let classWeights { options.classWeights = try ClassWeighting(parsing: classWeights) }
        if let balancedSampling { options.balancedSampling = balancedSampling }
        options.augmentation = try resolveAugmentation(default: options.augmentation)
        options.mixing = try resolveMixing()
        if let validationFraction { options.validationFraction = validationFraction }
        if let seed { options.seed = seed }
        if let splitSeed { options.splitSeed = splitSeed }
        if let monitor {
            guard let metric = ValidationMetric(rawValue: monitor.lowercased()) else {
                throw TrainingError.invalidOption(
                    "--monitor '\(monitor)' is not a validation figure; use one of \(ValidationMetric.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            options.monitor = metric
        }
        options.patience = patience
        if let averageEpochs { options.averageEpochs = averageEpochs }
        if let labelSmoothing { options.labelSmoothing = labelSmoothing }
        if syncBatchNorm == true { options.syncBatchNorm = true }
        if let testTimeAugmentation { options.testTimeAugmentation = testTimeAugmentation }
        if let threshold {
            do {
                options.threshold = try ThresholdStrategy(parsing: threshold)
            } catch {
                throw TrainingError.invalidOption("--threshold: \(error)")
            }
        }
        try options.validate()
        return options
    }

    /// Nil unless mixup or CutMix is on; the probability defaults to 1 (every batch).
    private func resolveMixing() throws -> MixingSettings? {
        let settings = MixingSettings(mixup: mixup ?? 0, cutmix: cutmix ?? 0, probability: mixProbability ?? 1)
        if settings.mixup == 0 && settings.cutmix == 0 {
            if let mixProbability {
                throw TrainingError.invalidOption(
                    "--mix-probability \(mixProbability) needs --mixup or --cutmix: it is the share of batches they mix")
            }
            if mixup == nil && cutmix == nil { return nil }
        }
        do {
            _ = try settings.validated()
        } catch EngineError.invalidConfiguration(let why) {
            throw TrainingError.invalidOption(why)
        }
        return settings.mixup == 0 && settings.cutmix == 0 ? nil : settings
    }

    private func resolveAugmentation(default base: AugmentationSettings) throws -> AugmentationSettings {
        var settings = try augment.map(AugmentationSettings.preset(parsing:)) ?? base
        if let rotation { settings.rotationDegrees = Float(rotation) }
        if let shift { settings.shift = Float(shift) }
        if let zoom { settings.zoom = Float(zoom) }
        if let brightness { settings.brightness = Float(brightness) }
        if let contrast { settings.contrast = Float(contrast) }
        if let aspect { settings.aspect = Float(aspect) }
        if let flip { settings.horizontalFlip = flip }
        if let gamma { settings.gamma = Float(gamma) }
        if let erase { settings.eraseProbability = Float(erase) }
        if let eraseArea { settings.eraseArea = Float(eraseArea) }
        if let localContrast { settings.localContrast = Float(localContrast) }
        return settings
    }
}
