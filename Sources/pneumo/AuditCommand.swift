import ArgumentParser
import Foundation
import PneumoApp
import PneumoData

/// `pneumo audit`: checks for shortcuts a model could take instead of reading the lungs.
struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Check for shortcuts: does image shape alone tell the classes apart; does the model need the lungs?",
        subcommands: [SizeAuditCommand.self, LungAuditCommand.self])
}

/// `pneumo audit size`: a logistic regression on the originals' width, height and aspect ratio.
struct SizeAuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "size",
        abstract: "ROC AUC of a logistic regression on original width, height and aspect ratio alone (fit on train, scored on test).",
        discussion: """
            A high AUC means the classes differ in image shape, so a model fed squashed square images could \
            learn the shape instead of the lungs. Sizes come from --manifest (rows of known original size), \
            else from the JPEG headers, which say nothing if the files were normalised to one size.
            """)

    @Option(help: "Folder holding train/ and test/ (default: $PNEUMO_DATA, else ../shared/data/chest_xray).")
    var data: String?

    @Option(help: "MANIFEST.csv with the original sizes (columns split,class,name,...,original_width,original_height).")
    var manifest: String?

    @Option(help: "The JSON file to write.")
    var out: String

    @Option(help: "Bootstrap resamples of the interval.")
    var bootstrap = 1000

    func validate() throws {
        guard (1...100_000).contains(bootstrap) else { throw ValidationError("--bootstrap must be between 1 and 100000, got \(bootstrap)") }
    }

    func run() throws {
        let result = try SizeAudit.run(
            root: try DataLocator.locate(data), manifest: manifest.map { URL(fileURLWithPath: $0) },
            bootstrap: BootstrapOptions(resamples: bootstrap))
        let file = URL(fileURLWithPath: out)
        try OutputFolder.prepare(file.deletingLastPathComponent())
        try AtomicFile.write(try AuditFile.json(result), to: file)
        for note in result.notes { Console.log("note: \(note)") }
        print("train ROC AUC \(result.trainAUC.text) (in sample), test ROC AUC \(result.testAUC.text)")
        print(result.interpretation)
        print("wrote \(file.path)")
    }
}

/// `pneumo audit lungs`: the model's ROC AUC as is, with the lungs masked and with only the lungs.
struct LungAuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lungs",
        abstract: "The model's ROC AUC on a split as is, with the central lung region masked, and with only that region kept.",
        discussion: """
            The region is the middle 60% of the width and 70% of the height; the hidden part is filled with \
            each image's mean grey. If the model still separates the classes with the lungs masked (interval's \
            lower bound above 0.6), it reads something else.
            """)

    @Option(help: "Checkpoint: RUN/best, or its .json or .safetensors file.")
    var model: String

    @Option(help: "Folder holding train/, val/ and test/ (default: $PNEUMO_DATA, else ../shared/data/chest_xray).")
    var data: String?

    @Option(help: "Split to score.")
    var split: DatasetSplit = .test

    @Option(help: "The JSON file to write.")
    var out: String

    @Option(help: "Images per forward pass on the device.")
    var batchSize = 32

    @Option(help: "Bootstrap resamples of the intervals.")
    var bootstrap = 1000

    @OptionGroup var cache: CacheOptions

    @OptionGroup var device: DeviceOptions

    func validate() throws {
        guard (1...4096).contains(batchSize) else { throw ValidationError("--batch-size must be between 1 and 4096, got \(batchSize)") }
        guard (1...100_000).contains(bootstrap) else { throw ValidationError("--bootstrap must be between 1 and 100000, got \(bootstrap)") }
    }

    func run() throws {
        let result = try LungAudit.run(
            checkpoint: URL(fileURLWithPath: model), root: try DataLocator.locate(data), split: split,
            context: try device.makeContext(), bootstrap: BootstrapOptions(resamples: bootstrap), batchSize: batchSize,
            cacheDirectory: cache.directory, useCache: cache.useCache, log: Console.log)
        let file = URL(fileURLWithPath: out)
        try OutputFolder.prepare(file.deletingLastPathComponent())
        try AtomicFile.write(try AuditFile.json(result), to: file)
        print(result.interpretation)
        print("wrote \(file.path)")
    }
}
