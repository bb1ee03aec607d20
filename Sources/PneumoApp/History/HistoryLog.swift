import Foundation

/// A training history bound to its two files, `history.csv` and `history.json` in a run
/// directory, rewritten (atomically) each time an epoch is recorded.
public struct HistoryLog: Sendable {
    /// The CSV file.
    public let csvURL: URL
    /// The JSON file.
    public let jsonURL: URL
    /// The epochs recorded so far.
    public private(set) var history: TrainingHistory

    /// Starts an empty log in `directory`, replacing any earlier files on the first record.
    public init(directory: URL) {
        csvURL = directory.appendingPathComponent("history.csv")
        jsonURL = directory.appendingPathComponent("history.json")
        history = TrainingHistory()
    }

    /// Continues the log in `directory` after a resume: keeps the epochs up to `epoch` and
    /// drops later ones, which the resumed run will record again. A missing file starts empty.
    public init(resumingIn directory: URL, after epoch: Int) throws {
        self.init(directory: directory)
        guard FileManager.default.fileExists(atPath: jsonURL.path) else { return }
        var earlier = try TrainingHistory.read(json: jsonURL)
        earlier.truncate(after: epoch)
        history = earlier
    }

    /// Adds an epoch and rewrites both files.
    public mutating func record(_ epoch: EpochRecord) throws {
        var next = history
        try next.append(epoch)
        try next.write(csv: csvURL, json: jsonURL)
        history = next
    }
}
