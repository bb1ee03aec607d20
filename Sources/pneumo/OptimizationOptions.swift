import ArgumentParser
import PneumoApp

/// `train`'s epochs, batches, optimizer, learning-rate schedule and class balance.
struct OptimizationOptions: ParsableArguments {
    @Option(help: "Epochs. Default: 45 (the notebook recipe: 10).")
    var epochs: Int?

    @Option(help: "Images per batch. Default: 32.")
    var batchSize: Int?

    @Option(help: "Optimizer. Default: adamw.")
    var optimizer: OptimizerKind?

    @Option(name: .customLong("lr"), help: "Base learning rate. Default: 0.002.")
    var learningRate: Double?

    @Option(help: "Momentum for momentum, nesterov and rmsprop. Default: 0.9.")
    var momentum: Double?

    @Option(help: "constant, step[:EVERY[:FACTOR]], cosine[:WARMUP_EPOCHS[:FLOOR]] or plateau[:PATIENCE[:FACTOR]]. Default: cosine:1:0.02.")
    var schedule: String?

    @Option(help: "Weight decay (decoupled for adamw, L2 otherwise). Default: 0.05.")
    var weightDecay: Double?

    @Option(help: "auto (inverse class frequency in the training split), none, or one weight per class such as 1.9,0.66. Default: auto.")
    var classWeights: String?

    @Option(help: "Label smoothing in [0, 0.5): train towards 1 - e/2 and e/2 instead of 1 and 0; 0 turns it off. Default: 0.1 (notebook recipe: 0).")
    var labelSmoothing: Double?

    @Flag(name: .customLong("sync-batchnorm"), help: ArgumentHelp(
        "Under mpirun, normalise every BatchNorm with the statistics of the global batch over all ranks (synchronised BatchNorm). Default: off.",
        discussion: "Worth it when each rank's batch is small (a few images): per-rank statistics are then noisy. A single process has nothing to synchronise."))
    var syncBatchNorm = false

    @Flag(name: .customLong("balanced"), inversion: .prefixedNo, help: "Draw the classes equally often in each epoch. Default: off.")
    var balancedSampling: Bool?

    /// Writes the given values into `arguments`; what was not given stays nil.
    func apply(to arguments: inout TrainingArguments) {
        arguments.epochs = epochs
        arguments.batchSize = batchSize
        arguments.optimizer = optimizer?.rawValue
        arguments.learningRate = learningRate
        arguments.momentum = momentum
        arguments.schedule = schedule
        arguments.weightDecay = weightDecay
        arguments.classWeights = classWeights
        arguments.balancedSampling = balancedSampling
        arguments.labelSmoothing = labelSmoothing
        arguments.syncBatchNorm = syncBatchNorm ? true : nil
    }
}
