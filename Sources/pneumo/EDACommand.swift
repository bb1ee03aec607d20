import ArgumentParser
import Foundation
import PneumoApp
import PneumoData

/// `pneumo eda`: the data exploration as an HTML report, a JSON file and a printed table.
struct EDACommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eda",
        abstract: "Explore a chest X-ray data set: images per split and class, original sizes, intensity histograms, sample images.",
        discussion: "Writes OUT/report.html (self-contained) and OUT/eda.json, and prints a summary table.")

    @Option(name: .long, help: "Folder holding train/, val/ and test/, each with NORMAL/ and PNEUMONIA/.")
    var data: String

    @Option(name: .long, help: "Folder for report.html and eda.json.")
    var out: String = "eda-report"

    @Option(name: .long, help: "MANIFEST.csv with original sizes (default: look in and beside the data folder; else JPEG headers).")
    var manifest: String?

    @Option(name: .long, help: "Label scheme: binary (normal/pneumonia) or three-class (normal/bacterial/viral).")
    var labels: LabelScheme = .binary

    @Option(name: .long, help: "Side in pixels at which images are decoded for the intensity histograms.")
    var size: Int = 224

    @Option(name: .long, help: "Sample images per class in the report.")
    var samples: Int = 8

    @Option(name: .long, help: "Seed that picks the sample images.")
    var seed: UInt64 = 0

    @OptionGroup var cache: CacheOptions

    @Flag(name: .long, help: "Stop at the first unreadable image or data set problem instead of skipping it.")
    var strict = false

    func validate() throws {
        guard (8...4096).contains(size) else { throw ValidationError("--size must be between 8 and 4096, got \(size)") }
        guard (0...64).contains(samples) else { throw ValidationError("--samples must be between 0 and 64, got \(samples)") }
    }

    func run() throws {
        let decodedCache = cache.useCache ? DecodedImageCache(directory: cache.directory ?? DecodedImageCache.defaultDirectory()) : nil
        let options = EDAOptions(
            dataRoot: URL(fileURLWithPath: data, isDirectory: true), outputDirectory: URL(fileURLWithPath: out, isDirectory: true),
            manifest: manifest.map { URL(fileURLWithPath: $0) }, labels: labels,
            analysisSide: size, samplesPerClass: samples, seed: seed, cache: decodedCache, strict: strict)
        let progress = StageProgress()
        let result = try ExploratoryAnalysis.run(options, progress: progress.update)
        let written = try EDAReportWriter.write(result, to: options.outputDirectory)
        print(EDATable.render(result.report))
        print("wrote \(written.html.path) and \(written.json.path)")
    }
}
