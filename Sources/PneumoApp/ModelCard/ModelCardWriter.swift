import Foundation

/// Reads a card's inputs from files and writes MODEL_CARD.md and model_card.html.
public enum ModelCardWriter {
    /// The Markdown file's name.
    public static let markdownName = "MODEL_CARD.md"
    /// The HTML file's name.
    public static let htmlName = "model_card.html"

    /// Reads the checkpoint's metadata, each evaluation (a folder holding evaluation.json, or
    /// the file) and each audit file.
    public static func inputs(checkpoint: URL, evaluations: [URL] = [], audits: [URL] = []) throws -> ModelCardInputs {
        let metadata = try CheckpointStore.loadMetadata(from: checkpoint)
        let named = try evaluations.map { location -> NamedEvaluation in
            var isDirectory: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: location.path, isDirectory: &isDirectory)
            let file = exists && isDirectory.boolValue ? location.appendingPathComponent("evaluation.json") : location
            do {
                return NamedEvaluation(source: file.path, result: try EvaluationResult.read(json: try Data(contentsOf: file)))
            } catch {
                throw FileReadError(path: file.path, reason: "is not an evaluation written by pneumo evaluate (\(error.localizedDescription)); "
                    + "pass its output folder or its evaluation.json")
            }
        }
        return ModelCardInputs(
            metadata: metadata, checkpoint: CheckpointPaths(checkpoint).metadata.path, evaluations: named,
            audits: try audits.map(AuditFile.read))
    }

    /// Writes both forms of the card for `inputs` into `folder` (created when its parent exists);
    /// returns the two files.
    @discardableResult
    public static func write(_ inputs: ModelCardInputs, to folder: URL) throws -> (markdown: URL, html: URL) {
        try OutputFolder.prepare(folder)
        let card = ModelCard.make(inputs)
        let markdown = folder.appendingPathComponent(markdownName), html = folder.appendingPathComponent(htmlName)
        try AtomicFile.write(CardMarkdown.render(card), to: markdown)
        try AtomicFile.write(CardHTML.render(card), to: html)
        return (markdown, html)
    }
}

/// A file that exists but cannot be used as the input it was given as.
public struct FileReadError: Error, CustomStringConvertible {
    /// The file.
    public var path: String
    /// What is wrong and what to do.
    public var reason: String

    public var description: String { "cannot use \(path): \(reason)" }
}
