import ArgumentParser
import Engine
import Foundation
import PneumoApp
import PneumoData

/// `pneumo explain`: Grad-CAM overlays of a checkpoint's decisions, one PNG per X-ray.
struct ExplainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Show where a trained model looked: Grad-CAM heatmaps over chest X-ray JPEGs.",
        discussion: """
            For each FILE, prints the predicted class and its probability and writes OUT/NAME.gradcam.png: \
            the X-ray with the heatmap blended over it (blue little weight, red the most; uncoloured where the \
            model found no evidence). The map explains the predicted class unless --class names another.
            """)

    @Option(help: "Checkpoint: its .json or .safetensors file, the stem they share, or a folder holding model.json.")
    var model: String

    @Argument(help: "Chest X-ray JPEG or DICOM files.")
    var files: [String]

    @Option(help: "Folder for the overlay images.")
    var out = "explain"

    @Option(name: .customLong("class"), help: "Class whose evidence to show (default: the predicted class).")
    var className: String?

    @Option(help: "Longest side of the overlay images, in pixels (the aspect ratio is kept).")
    var size = 512

    @Option(help: "Images per device batch.")
    var batchSize = 16

    @OptionGroup var device: DeviceOptions

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("Give at least one JPEG file.") }
        guard (16...4_096).contains(size) else { throw ValidationError("--size must be between 16 and 4096, got \(size).") }
        guard (1...256).contains(batchSize) else { throw ValidationError("--batch-size must be between 1 and 256, got \(batchSize).") }
    }

    @Option(help: "Images that fail the quality gate: refuse skips them with the failed rule, flag explains them with a warning.")
    var lowQuality: LowQualityPolicy = .refuse

    func run() throws {
        // Before any work, so a mistyped --out fails at once.
        try OutputFolder.prepare(URL(fileURLWithPath: out, isDirectory: true))
        let context = try device.makeContext()
        let trained = try TrainedModel.load(from: URL(fileURLWithPath: model), context: context)
        let gradCAM = try GradCAM(model: trained)
        let target = try targetClass(of: trained)
        Console.log("explaining \(trained.spec.name) at layer \(gradCAM.layerDescription); threshold \(trained.threshold)")

        let decoder = try JPEGDecoder()
        var names = OutputNames()
        var failures = 0
        var start = 0
        let progress = StageProgress()
        // The bar's clock starts with the work, so its rate is true from the first batch.
        progress.update("explain", done: 0, total: files.count)
        while start < files.count {
            let chunk = Array(files[start..<min(start + batchSize, files.count)])
            start += chunk.count
            progress.clear()  // Lines printed or logged for this chunk must not land on the bar.
            var inputs: [ExplainInput] = []
            for file in chunk {
                do {
                    inputs.append(try prepare(file, decoder: decoder, side: trained.preprocessing.side))
                } catch {
                    failures += 1
                    Console.log("error: \(file): \(error)")
                }
            }
            inputs = try screenFamiliarity(inputs, model: trained, failures: &failures)
            if !inputs.isEmpty {
                try explainAndWrite(inputs, gradCAM: gradCAM, target: target, model: trained, names: &names)
            }
            progress.update("explain", done: start, total: files.count)
        }
        if failures > 0 {
            Console.log("\(failures) of \(files.count) files could not be explained")
            throw ExitCode.failure
        }
    }

    /// The model's familiarity check on a chunk: an image unlike its training images is refused
    /// like one that fails the quality gate, or explained with a warning under `--low-quality flag`.
    private func screenFamiliarity(_ inputs: [ExplainInput], model: TrainedModel, failures: inout Int) throws -> [ExplainInput] {
        guard model.checksFamiliarity, !inputs.isEmpty else { return inputs }
        let findings = try model.familiarityFindings(.pixels(inputs.flatMap(\.pixels)), count: inputs.count, batchSize: inputs.count)
        return zip(inputs, findings).compactMap { input, finding in
            guard let finding else { return input }
            if lowQuality == .flag {
                Console.log("warning: \(input.file) is unlike the training images, do not rely on its map: \(finding)")
                return input
            }
            failures += 1
            Console.log("error: \(input.file): \(LowQualityImage(findings: [finding]))")
            return nil
        }
    }

    /// Explains one device batch and writes its overlays, printing a line for each.
    private func explainAndWrite(
        _ inputs: [ExplainInput], gradCAM: GradCAM, target: GradCAMTarget,
        model: TrainedModel, names: inout OutputNames
    ) throws {
        let explanations = try gradCAM.explain(
            .pixels(inputs.flatMap(\.pixels)), count: inputs.count, target: target, batchSize: inputs.count)
        for (input, explanation) in zip(inputs, explanations) {
            let destination = URL(fileURLWithPath: out).appendingPathComponent(names.claim(for: input.file))
            let heatmap = try explanation.heatmap(width: input.display.width, height: input.display.height)
            try AtomicFile.write(try HeatmapRendering.overlayPNG(image: input.display, heatmap: heatmap), to: destination)
            print(summary(input.file, explanation, model: model, written: destination.path))
            fflush(stdout)
        }
    }

    private func targetClass(of model: TrainedModel) throws -> GradCAMTarget {
        guard let className else { return .predicted }
        guard let index = model.classNames.firstIndex(where: { $0.caseInsensitiveCompare(className) == .orderedSame }) else {
            throw ValidationError("--class \(className) is not one of the model's classes: \(model.classNames.joined(separator: ", ")).")
        }
        return .classIndex(index)
    }

    /// Decodes a file twice: at the model's input size, and at the display size with its aspect ratio.
    private func prepare(_ file: String, decoder: JPEGDecoder, side: Int) throws -> ExplainInput {
        let url = URL(fileURLWithPath: file)
        let measured = try decoder.decodeMeasured(file: url, side: side)
        let findings = ImageQualityGate.standard.check(measured.measures)
        if !findings.isEmpty {
            guard lowQuality == .flag else { throw LowQualityImage(findings: findings) }
            Console.log("warning: \(file) is low quality, do not rely on its map: \(findings.map(\.description).joined(separator: "; "))")
        }
        let full = try decoder.decode(file: url)
        let scale = min(1, Double(size) / Double(max(full.width, full.height)))
        let display = full.resized(
            width: max(1, Int((Double(full.width) * scale).rounded())), height: max(1, Int((Double(full.height) * scale).rounded())))
        return (file, display, measured.image.pixels)
    }

    private func summary(_ file: String, _ explanation: Explanation, model: TrainedModel, written: String) -> String {
        let names = model.classNames
        let predicted = explanation.predictedClass
        var line = "\(file): \(names[predicted]) (p = \(String(format: "%.3f", explanation.probabilities[predicted]))"
        if names.count == 2 {
            line += String(format: ", P(%@) %.3f vs threshold %.3f", names[1], explanation.probabilities[1], model.threshold)
        }
        line += ")"
        if explanation.explainedClass != predicted { line += ", map for \(names[explanation.explainedClass])" }
        return line + " -> \(written)"
    }
}

/// Overlay file names: the input's name with `.gradcam.png`, numbered when two inputs share a name.
private struct OutputNames {
    private var used: Set<String> = []

    mutating func claim(for file: String) -> String {
        let stem = URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
        var name = "\(stem).gradcam.png"
        var counter = 2
        while used.contains(name) {
            name = "\(stem)-\(counter).gradcam.png"
            counter += 1
        }
        used.insert(name)
        return name
    }
}

/// One image on its way through `pneumo explain`: its file, the picture the map is drawn over,
/// and the model's input.
private typealias ExplainInput = (file: String, display: GrayImage, pixels: [UInt8])
