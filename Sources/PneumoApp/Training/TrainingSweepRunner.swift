import Engine
import Foundation
import OpenCLKit

/// Runs one configuration of `pneumo sweep` with the training loop: the sweep's optimizer,
/// batch size and learning rate on top of `base`, its model, epochs and seed.
public struct TrainingSweepRunner: SweepRunner {
    public let context: ComputeContext
    /// The options every run starts from (e.g. the notebook recipe).
    public let base: TrainingOptions
    public let cacheDirectory: URL?
    public let reporter: TrainingReporter

    /// The notebook's recipe, validated on a grouped tenth of train instead of the 16-image val folder.
    public static var notebookWithValidationSplit: TrainingOptions {
        var options = TrainingRecipe.notebook.options(model: "seed-cnn")
        options.validationFraction = 0.1
        return options
    }

    public init(context: ComputeContext, base: TrainingOptions = TrainingSweepRunner.notebookWithValidationSplit,
                cacheDirectory: URL? = nil, reporter: TrainingReporter = .silent) {
        self.context = context
        self.base = base
        self.cacheDirectory = cacheDirectory
        self.reporter = reporter
    }

    public func run(_ configuration: SweepConfiguration, settings: SweepSettings, directory: URL) throws -> SweepMeasurement {
        var options = base
        options.model = settings.model
        options.epochs = settings.epochs
        options.seed = settings.seed
        options.optimizer = try OptimizerKind(parsing: configuration.optimizer)
        options.batchSize = configuration.batchSize
        options.learningRate = configuration.learningRate
        if case let .cosine(warmup, floor) = options.schedule, warmup >= options.epochs {
            options.schedule = .cosine(warmupEpochs: 0, minimumFactor: floor)
        }
        let data = TrainingData(root: URL(fileURLWithPath: settings.dataRoot, isDirectory: true), cacheDirectory: cacheDirectory)
        let run = RunDirectory(directory)
        // An unfinished earlier attempt with the same options continues where it stopped; any
        // other leftovers make way.
        let trainer: Trainer
        if run.canResume, (try? CheckpointStore.loadMetadata(from: run.resume).trainingOptions.decode(TrainingOptions.self)) == options {
            trainer = try Trainer.resume(from: directory, data: data, context: context, reporter: reporter)
        } else {
            try? FileManager.default.removeItem(at: directory)
            trainer = try Trainer(options: options, data: data, output: directory, context: context, reporter: reporter)
        }
        switch try trainer.train() {
        case let .finished(summary):
            return try SweepMeasurement(history: summary.history)
        case .interrupted:
            throw SweepError.interrupted
        }
    }
}
