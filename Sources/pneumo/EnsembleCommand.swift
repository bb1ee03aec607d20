import ArgumentParser
import Foundation
import PneumoApp

/// `pneumo ensemble`: one checkpoint from several, used like any other.
struct EnsembleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ensemble",
        abstract: "Join trained checkpoints into one ensemble checkpoint that evaluate, predict, explain and serve use like any other.",
        discussion: """
            Its probability is the mean of the members' calibrated probabilities, calibrated again on the \
            validation images the members share; it gets its own threshold and operating points there. \
            Members must have been trained on the same data with the same validation split (train them \
            with one --split-seed and different --seed values).
            """)

    @Argument(help: "Member checkpoints: RUN/best, or their .json or .safetensors files.")
    var checkpoints: [String]

    @Option(help: "Where to write the ensemble checkpoint: a stem (DIR/ensemble) or a folder that will hold model.*.")
    var out: String

    @Option(help: "Folder holding train/, val/ and test/ (default: $PNEUMO_DATA, else ../shared/data/chest_xray).")
    var data: String?

    @Flag(
        inversion: .prefixedNo,
        help: "Score and calibrate the ensemble over each image and 6 copies shifted 4% or zoomed 5% (their logits averaged). Default: when every member was calibrated that way.")
    var tta: Bool?

    @Option(help: "Images per forward pass on the device.")
    var batchSize = 32

    @OptionGroup var cache: CacheOptions

    @OptionGroup var device: DeviceOptions

    func validate() throws {
        guard checkpoints.count >= 2 else { throw ValidationError("give at least 2 member checkpoints, got \(checkpoints.count)") }
        guard (1...4096).contains(batchSize) else { throw ValidationError("--batch-size must be between 1 and 4096, got \(batchSize)") }
    }

    func run() throws {
        let output = URL(fileURLWithPath: out)
        let metadata = try EnsembleBuilder.build(
            checkpoints.map { URL(fileURLWithPath: $0) }, output: output, dataRoot: try DataLocator.locate(data),
            context: try device.makeContext(), cacheDirectory: cache.directory,
            useCache: cache.useCache, batchSize: batchSize, augmentation: TestTimeAugmentationChoice(flag: tta),
            log: { Console.log($0) })
        print(CalibrationSummary.text(metadata))
        Console.log("wrote \(CheckpointPaths(output).metadata.path) and its weights")
    }
}
