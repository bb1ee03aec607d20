import ArgumentParser
import Foundation
import PneumoApp

/// `pneumo card`: writes a model card for a checkpoint from its metadata, evaluations and audits.
struct CardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "card",
        abstract: "Write a model card (MODEL_CARD.md and model_card.html) for a checkpoint.",
        discussion: """
            The card follows the sections of Mitchell et al. 2019 (Model Cards for Model Reporting) and answers \
            the CLAIM 2024 items that apply: intended use, data source, ground truth, partitions, training, \
            metrics with intervals, calibration, failure analysis and limitations. Figures come from the \
            checkpoint's metadata, from evaluation.json files of pneumo evaluate (several, e.g. one per seed, \
            are summarised as mean ± sd and range) and from the JSON files of pneumo audit size and lungs.
            """)

    @Option(help: "Checkpoint: RUN/best, or its .json or .safetensors file.")
    var model: String

    @Option(help: "An evaluation folder of pneumo evaluate, or its evaluation.json; repeat for several.")
    var evaluation: [String] = []

    @Option(help: "A JSON file of pneumo audit size or pneumo audit lungs; repeat for several.")
    var audit: [String] = []

    @Option(help: "Folder for MODEL_CARD.md and model_card.html (default: the checkpoint's folder).")
    var out: String?

    func run() throws {
        let checkpoint = URL(fileURLWithPath: model)
        let inputs = try ModelCardWriter.inputs(
            checkpoint: checkpoint, evaluations: evaluation.map { URL(fileURLWithPath: $0) }, audits: audit.map { URL(fileURLWithPath: $0) })
        let folder = out.map { URL(fileURLWithPath: $0, isDirectory: true) }
            ?? CheckpointPaths(checkpoint).metadata.deletingLastPathComponent()
        let written = try ModelCardWriter.write(inputs, to: folder)
        print("wrote \(written.markdown.path) and \(written.html.path)")
    }
}
