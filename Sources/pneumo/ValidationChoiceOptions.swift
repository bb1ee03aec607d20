import ArgumentParser
import PneumoApp

/// `train`'s validation split, seeds, best-checkpoint choice, early stopping and threshold.
struct ValidationChoiceOptions: ParsableArguments {
    @Option(name: .customLong("val-fraction"), help: "Share of training patients held out for validation; 0 uses the 16-image val folder. Default: 0.1.")
    var validationFraction: Double?

    @Option(help: "Seed for weights, split, batch order, dropout and augmentation. Default: 42.")
    var seed: UInt64?

    @Option(help: "Seed for the validation split alone (default: --seed); runs that share it share their validation images.")
    var splitSeed: UInt64?

    @Option(help: "Validation figure that picks the best checkpoint and drives early stopping. Default: loss.")
    var monitor: ValidationMetric?

    @Option(help: "Stop after this many epochs without a better --monitor value. Default: never.")
    var patience: Int?

    @Option(help: "Also save an 'averaged' checkpoint: the mean of the weights at the end of this many last epochs. Default: 0 (none).")
    var averageEpochs: Int?

    @Option(help: "Decision threshold, chosen on validation: a number such as 0.5, youden, or sensitivity:0.95. Default: youden.")
    var threshold: String?

    @Flag(
        inversion: .prefixedNo,
        help: "Calibrate the checkpoints on each image's logit averaged over it and 6 copies shifted 4% or zoomed 5%; they then score every image that way (7 passes per image). Default: on (--no-tta: one pass).")
    var tta: Bool?

    /// Writes the given values into `arguments`; what was not given stays nil.
    func apply(to arguments: inout TrainingArguments) {
        arguments.validationFraction = validationFraction
        arguments.seed = seed
        arguments.splitSeed = splitSeed
        arguments.monitor = monitor?.rawValue
        arguments.patience = patience
        arguments.averageEpochs = averageEpochs
        arguments.threshold = threshold
        arguments.testTimeAugmentation = tta
    }
}
