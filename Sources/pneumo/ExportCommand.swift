import ArgumentParser
import Foundation
import PneumoApp

/// What `pneumo export` writes.
enum ExportFormat: String, CaseIterable, ExpressibleByArgument {
    /// The model as ONNX (opset 17): decoded grayscale image in, calibrated probabilities out.
    case onnx
    /// The ONNX model's input for given image files, as pneumo decodes them (uint8 .npy).
    case pixels
}

/// `pneumo export`: a checkpoint as an ONNX model, or the pixels such a model takes.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export a checkpoint (network, architecture file or ensemble) as an ONNX model.",
        discussion: """
            --format onnx writes an ONNX model (opset 17) whose input is the decoded 8-bit grayscale \
            image, uint8 [N, 1, S, S], and whose outputs are the raw logit and the calibrated class \
            probabilities pneumo predict reports. The scaling to [0, 1], test-time augmentation's \
            copies and their mean logit (when the checkpoint was calibrated with them), an ensemble's \
            averaging and the temperature are in the graph; the JPEG decode and resize, the threshold and the \
            class names are in its metadata (pneumo.* keys). --format pixels writes that input for \
            the image files given, decoded exactly as pneumo predict decodes them, as a .npy array \
            in the order given. No OpenCL device is needed.
            """)

    @Option(help: "Checkpoint: RUN/best, or its .json or .safetensors file.")
    var model: String

    @Option(help: "What to write.")
    var format: ExportFormat = .onnx

    @Option(help: "Output file (.onnx, or .npy for --format pixels).")
    var out: String

    @Flag(
        inversion: .prefixedNo,
        help: "With --format onnx: build test-time augmentation's copies into the graph (--tta) or score one pass (--no-tta). Default: as the checkpoint was calibrated.")
    var tta: Bool?

    @Argument(help: "Image files, for --format pixels.")
    var images: [String] = []

    func validate() throws {
        switch format {
        case .onnx:
            guard images.isEmpty else { throw ValidationError("image files are only read with --format pixels; leave them out for onnx") }
        case .pixels:
            guard !images.isEmpty else { throw ValidationError("--format pixels needs the image files to decode") }
            guard tta == nil else { throw ValidationError("--tta and --no-tta choose how an ONNX graph scores; pixels are the image as it is") }
        }
    }

    func run() throws {
        let checkpoint = URL(fileURLWithPath: model), output = URL(fileURLWithPath: out)
        switch format {
        case .onnx:
            let summary = try ONNXModelExport.export(checkpointAt: checkpoint, to: output, augmentation: TestTimeAugmentationChoice(flag: tta))
            let members = summary.networks > 1 ? ", \(summary.networks) networks" : ""
            print("wrote \(summary.path): \(summary.bytes) bytes, \(summary.nodes) nodes, \(summary.parameters) values\(members)")
        case .pixels:
            let side = try InputPixelsExport.export(files: images.map { URL(fileURLWithPath: $0) }, checkpointAt: checkpoint, to: output)
            print("wrote \(out): \(images.count) image(s) of \(side) x \(side)")
        }
    }
}
