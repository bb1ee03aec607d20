import ArgumentParser
import Foundation
import PneumoApp

/// `pneumo calibrate`: fits a checkpoint's temperature and operating points on its validation data.
struct CalibrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calibrate",
        abstract: "Calibrate a checkpoint's probabilities (temperature scaling), store its operating points and fit its familiarity check.",
        discussion: """
            Fits one temperature on the validation data the checkpoint was trained against (the grouped \
            share of train it records, else the official val split; never test), and stores it with the \
            thresholds for Youden's J and sensitivities 0.95, 0.97 and 0.99. evaluate, predict, explain \
            and serve then show calibrated probabilities. The ranking, and so ROC AUC, does not change. \
            It also fits the familiarity check on the training images those validation images were held \
            out of: predict, explain and serve then refuse an image whose features lie farther from the \
            training images' than those of 99% of the validation images (rule familiarity). pneumo train does all this for \
            its checkpoints; use this command on older ones.
            """)

    @Option(help: "Checkpoint: RUN/best, or its .json or .safetensors file.")
    var model: String

    @Option(help: "Folder holding train/, val/ and test/ (default: $PNEUMO_DATA, else ../shared/data/chest_xray).")
    var data: String?

    @Flag(
        inversion: .prefixedNo,
        help: "Fit on each image's logit averaged over it and 6 copies shifted 4% or zoomed 5%; the checkpoint then scores every image that way. Default: as it was calibrated before.")
    var tta: Bool?

    @Option(help: "Images per forward pass on the device.")
    var batchSize = 32

    @OptionGroup var cache: CacheOptions

    @OptionGroup var device: DeviceOptions

    func validate() throws {
        guard (1...4096).contains(batchSize) else { throw ValidationError("--batch-size must be between 1 and 4096, got \(batchSize)") }
    }

    func run() throws {
        let metadata = try Calibrator.calibrate(
            checkpoint: URL(fileURLWithPath: model), dataRoot: try DataLocator.locate(data), context: try device.makeContext(),
            cacheDirectory: cache.directory, useCache: cache.useCache,
            batchSize: batchSize, augmentation: TestTimeAugmentationChoice(flag: tta), log: { Console.log($0) })
        print(CalibrationSummary.text(metadata))
    }
}
