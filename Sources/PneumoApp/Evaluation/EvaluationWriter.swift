import Foundation

/// Writes an evaluation's files, each atomically.
public enum EvaluationWriter {
    /// The files written.
    public struct Written: Sendable {
        /// The self-contained HTML report.
        public let html: URL
        /// Every number, as JSON.
        public let json: URL
    }

    /// Writes `report.html` and `evaluation.json` into `directory`, creating it when its parent exists.
    public static func write(_ run: EvaluationRun, to directory: URL) throws -> Written {
        try OutputFolder.prepare(directory)
        let html = directory.appendingPathComponent("report.html")
        let json = directory.appendingPathComponent("evaluation.json")
        try AtomicFile.write(try run.result.json(), to: json)
        try EvaluationReport.build(run).write(to: html)
        return Written(html: html, json: json)
    }

    /// The default output folder: `evaluation-SPLIT` beside the checkpoint.
    public static func defaultDirectory(checkpoint: URL, split: String) -> URL {
        CheckpointPaths(checkpoint).metadata.deletingLastPathComponent().appendingPathComponent("evaluation-\(split)", isDirectory: true)
    }
}
