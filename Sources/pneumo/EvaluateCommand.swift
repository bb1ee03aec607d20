import ArgumentParser
import Foundation
import PneumoApp
import PneumoData

/// `pneumo evaluate`: metrics with bootstrap intervals, an HTML report and a JSON file for a checkpoint.
struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Evaluate a checkpoint on a split: metrics with 95% bootstrap intervals, an HTML report and a JSON file.",
        discussion: """
            The decision threshold is the one chosen on validation data and stored in the checkpoint. \
            --threshold youden or sensitivity:X chooses one now, on the validation data the checkpoint \
            was trained against (the grouped share of train it records, else the official val split); \
            never on the split evaluated. Writes OUT/report.html and OUT/evaluation.json and prints a table.
            """)

    @Option(help: "Checkpoint: RUN/best, or its .json or .safetensors file.")
    var model: String

    @Option(help: "Folder holding train/, val/ and test/ (default: $PNEUMO_DATA, else ../shared/data/chest_xray).")
    var data: String?

    @Option(help: "Split to evaluate; validation is the validation share of train the checkpoint was trained against.")
    var split: EvaluatedSplit = .test

    @Flag(
        inversion: .prefixedNo,
        help: "Test-time augmentation: average each logit over the image and 6 copies shifted 4% or zoomed 5% (no flips). Default: as the checkpoint was calibrated.")
    var tta: Bool?

    @Option(help: "Folder for report.html and evaluation.json (default: evaluation-SPLIT beside the checkpoint).")
    var out: String?

    @Option(help: "from-checkpoint, a number such as 0.5, youden, or sensitivity:0.95 (two-class models).")
    var threshold: String = "from-checkpoint"

    @Option(help: "Images per forward pass on the device.")
    var batchSize = 32

    @Option(help: "Bootstrap resamples of the confidence intervals.")
    var bootstrap = 1000

    @Option(help: "Seed of the bootstrap resampling.")
    var bootstrapSeed: UInt64 = 0

    @Option(help: "Correct and wrong predictions shown as pictures in the report, each.")
    var examples = 12

    @OptionGroup var cache: CacheOptions

    @Flag(help: "Stop at the first unreadable image instead of leaving it out.")
    var strict = false

    @OptionGroup var device: DeviceOptions

    func validate() throws {
        guard (1...4096).contains(batchSize) else { throw ValidationError("--batch-size must be between 1 and 4096, got \(batchSize)") }
        guard (1...100_000).contains(bootstrap) else { throw ValidationError("--bootstrap must be between 1 and 100000, got \(bootstrap)") }
        guard (0...200).contains(examples) else { throw ValidationError("--examples must be between 0 and 200, got \(examples)") }
        do {
            _ = try ThresholdRequest(parsing: threshold)
        } catch {
            throw ValidationError("--threshold: \(error)")
        }
    }

    func run() throws {
        let onValidationShare = self.split == .validation
        let split = self.split.datasetSplit ?? .test
        let checkpoint = URL(fileURLWithPath: model)
        var options = EvaluationOptions(
            checkpoint: checkpoint, dataRoot: try DataLocator.locate(data), split: split,
            threshold: try ThresholdRequest(parsing: threshold),
            bootstrap: BootstrapOptions(resamples: bootstrap, level: 0.95, seed: bootstrapSeed), batchSize: batchSize,
            cacheDirectory: cache.directory, useCache: cache.useCache, strict: strict,
            examples: examples)
        options.onValidationShare = onValidationShare
        options.augmentation = TestTimeAugmentationChoice(flag: tta)
        let context = try device.makeContext()
        var bar: ProgressBar?
        let run = try Evaluator.run(options, context: context, log: Console.log) { done, total in
            if bar == nil { bar = ProgressBar(total: total, label: "evaluate \(self.split.rawValue)") }
            bar?.update(completed: done)
            if done == total { bar?.finish() }
        }
        let directory = out.map { URL(fileURLWithPath: $0, isDirectory: true) }
            ?? EvaluationWriter.defaultDirectory(checkpoint: checkpoint, split: self.split.rawValue)
        let written = try EvaluationWriter.write(run, to: directory)
        print(EvaluationTable.render(run.result))
        print("wrote \(written.html.path) and \(written.json.path)")
    }
}

/// What `--split` takes: a folder of the data set, or the checkpoint's own validation images.
enum EvaluatedSplit: String, CaseIterable, ExpressibleByArgument {
    case train, val, test
    /// The validation share of train that the checkpoint was trained against.
    case validation

    /// The data set folder, nil for the validation share.
    var datasetSplit: DatasetSplit? { DatasetSplit(rawValue: rawValue) }
}
