import ArgumentParser
import Foundation
import PneumoApp

/// `pneumo predict`: class and probability for each image file.
struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Classify chest X-ray JPEGs with a checkpoint: class and probability per image.",
        discussion: """
            Takes files and folders (searched at any depth for .jpg, .jpeg and DICOM files). A file that cannot be \
            read or decoded, and anything a folder holds that cannot be used (a named pipe or other \
            special file, a broken link, a link loop, a folder that cannot be listed), is reported on \
            its own line and the rest are still predicted, unless --strict. Two-class models call an image positive at the checkpoint's threshold. The exit \
            status is 1 when no image could be predicted.
            """)

    @Option(help: "Checkpoint: RUN/best, or its .json or .safetensors file.")
    var model: String

    @Argument(help: "Image files or folders.")
    var inputs: [String]

    @Option(help: "Output format.")
    var format: PredictionFormat = .table

    @Option(help: "Also draw the images with their predicted labels into this .png or .html file.")
    var grid: String?

    @Option(help: "Most images drawn in the grid.")
    var gridLimit = 48

    @Option(help: "Images per forward pass on the device.")
    var batchSize = 32

    @Flag(help: "Refuse to predict anything when an input cannot be used.")
    var strict = false

    @Flag(
        inversion: .prefixedNo,
        help: "Test-time augmentation: average each logit over the image and 6 copies shifted 4% or zoomed 5% (no flips). Default: as the checkpoint was calibrated.")
    var tta: Bool?

    @Option(help: "Images that fail the quality gate (see README): refuse lists them with the failed rule, flag predicts them marked as low quality.")
    var lowQuality: LowQualityPolicy = .refuse

    @OptionGroup var device: DeviceOptions

    func validate() throws {
        guard (1...4096).contains(batchSize) else { throw ValidationError("--batch-size must be between 1 and 4096, got \(batchSize)") }
        guard (1...1000).contains(gridLimit) else { throw ValidationError("--grid-limit must be between 1 and 1000, got \(gridLimit)") }
        if let grid, !["png", "html", "htm"].contains(URL(fileURLWithPath: grid).pathExtension.lowercased()) {
            throw ValidationError("--grid must name a .png or .html file, got '\(grid)'")
        }
    }

    func run() throws {
        // Before any work, so a mistyped --grid fails at once.
        if let grid { try OutputFolder.prepare(URL(fileURLWithPath: grid).deletingLastPathComponent()) }
        let context = try device.makeContext()
        let trained = try TrainedModel.load(from: URL(fileURLWithPath: model), context: context)
        for note in trained.score(with: TestTimeAugmentationChoice(flag: tta)) where tta != nil { Console.log("note: \(note)") }
        let progress = StageProgress()
        let result = try Predictor.run(
            model: trained, paths: inputs.map { URL(fileURLWithPath: $0) }, batchSize: batchSize, strict: strict,
            lowQuality: lowQuality, progress: { done, total in progress.update("predict", done: done, total: total) })
        print(try format.render(result))
        for failure in result.failures { Console.log("skipped \(failure.file): \(failure.error ?? "unusable")") }
        if let grid, result.predictedCount > 0 {
            let drawn = try PredictionGrid.write(result, to: URL(fileURLWithPath: grid), limit: gridLimit)
            Console.log("wrote \(grid) (\(drawn) image(s))")
        }
        if result.predictedCount == 0 {
            Console.log("no image could be predicted")
            throw ExitCode.failure
        }
    }
}
