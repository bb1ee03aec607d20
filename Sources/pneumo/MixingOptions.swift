import ArgumentParser
import PneumoApp

/// `train`'s mixing of training images with each other (mixup, CutMix), after augmentation.
struct MixingOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Mixup: blend each image with another of its batch, weight drawn from Beta(A, A) per image; the target blends their labels. Usual: 0.2. Default: 0 (off).",
        valueName: "A"))
    var mixup: Double?

    @Option(help: ArgumentHelp(
        "CutMix: paste a box of another image of the batch, of area 1 - lambda with lambda from Beta(A, A); the target takes the pasted share. Usual: 1. Default: 0 (off).",
        valueName: "A"))
    var cutmix: Double?

    @Option(help: ArgumentHelp(
        "Share of batches mixed by --mixup or --cutmix, in [0, 1]; with both on, a mixed batch uses one of them, each half the time. Default: 1.",
        valueName: "P"))
    var mixProbability: Double?

    /// Writes the given values into `arguments`; what was not given stays nil.
    func apply(to arguments: inout TrainingArguments) {
        arguments.mixup = mixup
        arguments.cutmix = cutmix
        arguments.mixProbability = mixProbability
    }
}
