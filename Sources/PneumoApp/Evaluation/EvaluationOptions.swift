import Foundation
import PneumoData

/// Where `pneumo evaluate` takes its decision threshold from.
public enum ThresholdRequest: Equatable, Sendable, CustomStringConvertible {
    /// The threshold stored in the checkpoint (chosen on validation when it was trained); 0.5 if none is stored.
    case fromCheckpoint
    /// A fixed value, or a rule applied to the validation split (never to the split evaluated).
    case strategy(ThresholdStrategy)

    /// Parses "from-checkpoint", a number such as "0.5", "youden" or "sensitivity:0.95".
    public init(parsing text: String) throws {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        if trimmed == "from-checkpoint" || trimmed == "checkpoint" {
            self = .fromCheckpoint
        } else {
            self = .strategy(try ThresholdStrategy(parsing: trimmed))
        }
    }

    public var description: String {
        switch self {
        case .fromCheckpoint: return "from-checkpoint"
        case let .strategy(strategy): return strategy.description
        }
    }
}

/// Everything `pneumo evaluate` needs to know.
public struct EvaluationOptions: Sendable {
    /// The checkpoint: either file of the pair or their common stem.
    public var checkpoint: URL
    /// Folder holding train/, val/ and test/.
    public var dataRoot: URL
    /// The split to evaluate.
    public var split: DatasetSplit
    /// Where the decision threshold comes from (two-class models only).
    public var threshold: ThresholdRequest
    /// Bootstrap settings of the confidence intervals.
    public var bootstrap: BootstrapOptions
    /// Images per forward pass on the device.
    public var batchSize: Int
    /// Folder of the decoded-image cache; nil uses the default.
    public var cacheDirectory: URL?
    /// Whether to read and write the decoded-image cache.
    public var useCache: Bool
    /// Stop at the first unreadable image instead of skipping it.
    public var strict: Bool
    /// How many correct and how many wrong predictions the report shows.
    public var examples: Int
    /// Evaluate the validation images the checkpoint was trained against instead of `split`.
    public var onValidationShare = false
    /// Whether each image's logit is averaged over shifted and scaled copies: as the checkpoint
    /// was calibrated unless asked otherwise.
    public var augmentation: TestTimeAugmentationChoice = .asStored

    /// Creates options with the defaults of the command line.
    public init(
        checkpoint: URL, dataRoot: URL, split: DatasetSplit = .test, threshold: ThresholdRequest = .fromCheckpoint,
        bootstrap: BootstrapOptions = BootstrapOptions(), batchSize: Int = 32, cacheDirectory: URL? = nil,
        useCache: Bool = true, strict: Bool = false, examples: Int = 12
    ) {
        self.checkpoint = checkpoint
        self.dataRoot = dataRoot
        self.split = split
        self.threshold = threshold
        self.bootstrap = bootstrap
        self.batchSize = batchSize
        self.cacheDirectory = cacheDirectory
        self.useCache = useCache
        self.strict = strict
        self.examples = examples
    }

    func validate() throws {
        guard (1...4096).contains(batchSize) else {
            throw EvaluationError.invalidOption("batch size must be between 1 and 4096, got \(batchSize)")
        }
        guard (0...200).contains(examples) else {
            throw EvaluationError.invalidOption("the number of example images must be between 0 and 200, got \(examples)")
        }
    }
}
