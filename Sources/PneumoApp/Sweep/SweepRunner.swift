import Foundation

/// One point of a sweep grid: the settings that vary between its runs.
public struct SweepConfiguration: Codable, Hashable, Sendable {
    /// Optimizer name as `pneumo train --optimizer` takes it, e.g. "adam".
    public var optimizer: String
    /// Images per training batch.
    public var batchSize: Int
    /// Learning rate.
    public var learningRate: Double

    /// Creates a configuration.
    public init(optimizer: String, batchSize: Int, learningRate: Double) {
        self.optimizer = optimizer
        self.batchSize = batchSize
        self.learningRate = learningRate
    }

    /// Short label for tables and charts, e.g. "adam b32 lr0.001".
    public var label: String { "\(optimizer) b\(batchSize) lr\(Self.number(learningRate))" }

    /// A folder name for the run, e.g. "adam-b32-lr0.001".
    public var slug: String { "\(optimizer)-b\(batchSize)-lr\(Self.number(learningRate))" }

    /// The shortest decimal text that reads back to the same value (0.001, not 1e-03).
    static func number(_ value: Double) -> String {
        var text = String(format: "%.10f", value)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }
}

/// What every run of a sweep shares.
public struct SweepSettings: Codable, Equatable, Sendable {
    /// The data folder.
    public var dataRoot: String
    /// Built-in model name or architecture file.
    public var model: String
    /// Epochs per run.
    public var epochs: Int
    /// The seed every run starts from, so runs differ only by their configuration.
    public var seed: UInt64

    /// Creates settings.
    public init(dataRoot: String, model: String, epochs: Int, seed: UInt64) {
        self.dataRoot = dataRoot
        self.model = model
        self.epochs = epochs
        self.seed = seed
    }
}

/// The figures a sweep compares, from one finished run.
public struct SweepMeasurement: Codable, Equatable, Sendable {
    /// Epochs trained.
    public var epochs: Int
    /// Mean training loss of the last epoch.
    public var trainLoss: Double
    /// Training accuracy of the last epoch.
    public var trainAccuracy: Double
    /// Validation loss of the last epoch.
    public var validationLoss: Double?
    /// Validation accuracy of the last epoch.
    public var validationAccuracy: Double?
    /// Validation recall (sensitivity) of the last epoch.
    public var validationRecall: Double?
    /// Validation ROC AUC of the last epoch.
    public var validationAUC: Double?
    /// Training images per second over the whole run.
    public var imagesPerSecond: Double
    /// Wall time of the run in seconds.
    public var seconds: Double

    /// Creates a measurement.
    public init(
        epochs: Int, trainLoss: Double, trainAccuracy: Double, validationLoss: Double?, validationAccuracy: Double?,
        validationRecall: Double?, validationAUC: Double?, imagesPerSecond: Double, seconds: Double
    ) {
        self.epochs = epochs
        self.trainLoss = trainLoss
        self.trainAccuracy = trainAccuracy
        self.validationLoss = validationLoss
        self.validationAccuracy = validationAccuracy
        self.validationRecall = validationRecall
        self.validationAUC = validationAUC
        self.imagesPerSecond = imagesPerSecond
        self.seconds = seconds
    }

    /// The last epoch's figures of a run's history; throughput is averaged over the epochs,
    /// weighted by their time, so a slow first epoch (kernel builds) counts as it should.
    public init(history: TrainingHistory) throws {
        guard let last = history.records.last else {
            throw SweepError.emptyRun("the run recorded no epoch")
        }
        let seconds = history.records.reduce(0) { $0 + $1.seconds }
        let images = history.records.reduce(0) { $0 + $1.imagesPerSecond * $1.seconds }
        self.init(
            epochs: history.records.count, trainLoss: last.trainLoss, trainAccuracy: last.trainAccuracy,
            validationLoss: last.validationLoss, validationAccuracy: last.validationAccuracy,
            validationRecall: last.validationRecall, validationAUC: last.validationAUC,
            imagesPerSecond: seconds > 0 ? images / seconds : last.imagesPerSecond, seconds: seconds)
    }
}

/// Trains one configuration of a sweep. `pneumo sweep` gives it a runner built on the
/// training loop; tests give it a fake.
public protocol SweepRunner {
    /// Trains `configuration` with the sweep's shared settings (data, model, epochs, seed),
    /// writes the run's files (checkpoint, history) into `directory`, and returns its figures.
    /// Throw `SweepError.interrupted` to stop the whole sweep; any other error marks only this
    /// run as failed.
    func run(_ configuration: SweepConfiguration, settings: SweepSettings, directory: URL) throws -> SweepMeasurement
}

/// Problems of a sweep as a whole.
public enum SweepError: Error, CustomStringConvertible, Equatable {
    /// An option of the grid is invalid.
    case invalidOption(String)
    /// A run finished without figures.
    case emptyRun(String)
    /// The user stopped the sweep (Ctrl-C); the finished runs are kept.
    case interrupted

    public var description: String {
        switch self {
        case let .invalidOption(why): return why
        case let .emptyRun(why): return why
        case .interrupted: return "sweep interrupted; the table holds the runs finished so far"
        }
    }
}
