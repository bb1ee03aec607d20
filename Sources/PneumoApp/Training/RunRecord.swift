import Foundation

/// `options.json` of a run: the resolved options and where the data came from.
public struct RunRecord: Codable, Equatable, Sendable {
    public var options: TrainingOptions
    /// The data root of the first session; a resume without `--data` looks there first.
    public var data: String
    /// The device the run started on.
    public var device: String
    public var started: Date

    public init(options: TrainingOptions, data: String, device: String, started: Date = Date()) {
        self.options = options
        self.data = data
        self.device = device
        self.started = Date(timeIntervalSince1970: started.timeIntervalSince1970.rounded(.down))
    }

    /// Writes the record atomically as pretty-printed JSON.
    public func write(to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        try AtomicFile.write(try encoder.encode(self) + Data("\n".utf8), to: url)
    }

    /// Reads a record written by `write`.
    public static func read(from url: URL) throws -> RunRecord {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        do {
            return try decoder.decode(RunRecord.self, from: try Data(contentsOf: url))
        } catch {
            throw TrainingError.resumeMismatch("cannot read the run's options from \(url.path): \(error.localizedDescription)")
        }
    }
}
