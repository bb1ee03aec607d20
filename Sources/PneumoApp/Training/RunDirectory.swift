import Foundation

/// The files of one training run, all in one folder:
/// `best.*` and `last.*` checkpoints, `resume.*` while a run can be continued,
/// `history.csv`/`history.json` and `options.json`.
public struct RunDirectory: Sendable {
    public let url: URL

    public init(_ url: URL) { self.url = url }

    /// Checkpoint with the best validation figure (`best.safetensors` + `best.json`).
    public var best: URL { url.appendingPathComponent("best") }
    /// Checkpoint of the last finished epoch.
    public var last: URL { url.appendingPathComponent("last") }
    /// Mean of the weights at the end of the last `--average-epochs` epochs (when asked for).
    public var averaged: URL { url.appendingPathComponent("averaged") }
    /// Resumable checkpoint: weights, optimizer state and the loop's position.
    public var resume: URL { url.appendingPathComponent("resume") }
    /// The resolved options of the run.
    public var options: URL { url.appendingPathComponent("options.json") }

    /// Whether a resumable checkpoint is present.
    public var canResume: Bool { FileManager.default.fileExists(atPath: CheckpointPaths(resume).metadata.path) }

    /// `runs/<model>-<yyyyMMdd-HHmmss>` under `base`, named after the model (a file's stem).
    public static func defaultLocation(model: String, date: Date = Date(), base: URL = URL(fileURLWithPath: "runs")) -> URL {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        let stem = URL(fileURLWithPath: model).deletingPathExtension().lastPathComponent
        let safe = String(stem.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "-" })
        return base.appendingPathComponent("\(safe)-\(formatter.string(from: date))")
    }

    /// Refuses a folder that already holds a run, so a new run never mixes its files with an old one's.
    public func checkFreshStart() throws {
        let marks = [CheckpointPaths(best).metadata, CheckpointPaths(resume).metadata, url.appendingPathComponent("history.json"), options]
        if let found = marks.first(where: { FileManager.default.fileExists(atPath: $0.path) }) {
            throw TrainingError.invalidOption(
                "\(url.path) already holds a training run (\(found.lastPathComponent)); choose another --out, or continue it with --resume \(url.path)")
        }
    }

    /// Refuses a folder that holds no run to continue, naming what is wrong: a missing folder,
    /// a file, or a finished or foreign folder.
    public func checkResumable() throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else { throw TrainingError.missingRunFolder(url) }
        guard isDirectory.boolValue else {
            throw TrainingError.resumeMismatch("\(url.path) is a file, not a run folder; pass the folder an interrupted run wrote (its --out)")
        }
        guard canResume else {
            throw TrainingError.resumeMismatch(
                "\(url.path) holds no resume checkpoint (resume.json); it is not a run folder, or the run already finished")
        }
    }

    /// Removes the resumable checkpoint once the run has finished.
    func removeResumeCheckpoint() {
        let paths = CheckpointPaths(resume)
        try? FileManager.default.removeItem(at: paths.metadata)
        try? FileManager.default.removeItem(at: paths.weights)
    }
}
