import Foundation

/// The per-epoch record of a training run, kept on disk as CSV and JSON.
///
/// `append` rewrites both files atomically after every epoch, so an interrupted run leaves
/// complete files covering every finished epoch.
public struct TrainingHistory: Codable, Equatable, Sendable {
    /// Records in epoch order.
    public private(set) var records: [EpochRecord]

    /// Creates a history, empty or continuing earlier records (after a resume).
    public init(records: [EpochRecord] = []) {
        self.records = records
    }

    /// Adds an epoch; its number must follow the last one's.
    public mutating func append(_ record: EpochRecord) throws {
        if let last = records.last, record.epoch <= last.epoch {
            throw HistoryError(detail: "epoch \(record.epoch) recorded after epoch \(last.epoch); epochs must increase")
        }
        records.append(record)
    }

    /// Drops records after `epoch`, e.g. when resuming from a checkpoint older than the history.
    public mutating func truncate(after epoch: Int) {
        records.removeAll { $0.epoch > epoch }
    }

    /// The history as CSV with a header line.
    public var csv: String {
        ([EpochRecord.csvColumns] + records.map(\.csvFields)).map { $0.joined(separator: ",") }.joined(separator: "\n") + "\n"
    }

    /// The history as pretty-printed JSON: `{"records": [...]}`.
    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self) + Data("\n".utf8)
    }

    /// Writes the CSV and the JSON, each atomically.
    public func write(csv csvURL: URL, json jsonURL: URL) throws {
        try AtomicFile.write(csv, to: csvURL)
        try AtomicFile.write(json(), to: jsonURL)
    }

    /// Reads a history written by `write`, from its JSON file.
    public static func read(json url: URL) throws -> TrainingHistory {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw HistoryError(detail: "cannot read \(url.path) (\(error.localizedDescription))")
        }
        do {
            let history = try JSONDecoder().decode(TrainingHistory.self, from: data)
            for (previous, next) in zip(history.records, history.records.dropFirst()) where next.epoch <= previous.epoch {
                throw HistoryError(detail: "\(url.path) lists epoch \(next.epoch) after epoch \(previous.epoch)")
            }
            return history
        } catch let error as HistoryError {
            throw error
        } catch {
            throw HistoryError(detail: "\(url.path) is not a training history (\(error))")
        }
    }
}

/// A history that cannot be extended or read.
public struct HistoryError: Error, CustomStringConvertible, Equatable {
    /// What is wrong, naming the file when there is one.
    public let detail: String
    public var description: String { detail }
}
