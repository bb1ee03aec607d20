import Foundation

/// One configuration's outcome: its figures, or why it failed.
public struct SweepRow: Codable, Equatable, Sendable {
    /// The configuration.
    public var configuration: SweepConfiguration
    /// Figures of the finished run.
    public var measurement: SweepMeasurement?
    /// Why the run failed.
    public var error: String?
    /// The run's folder.
    public var directory: String

    /// Creates a row.
    public init(configuration: SweepConfiguration, measurement: SweepMeasurement?, error: String?, directory: String) {
        self.configuration = configuration
        self.measurement = measurement
        self.error = error
        self.directory = directory
    }
}

/// Everything a sweep produced, as written to `sweep.json`.
public struct SweepResult: Codable, Equatable, Sendable {
    /// What every run shared.
    public var settings: SweepSettings
    /// One row per configuration run so far, in grid order.
    public var rows: [SweepRow]

    /// Creates a result.
    public init(settings: SweepSettings, rows: [SweepRow]) {
        self.settings = settings
        self.rows = rows
    }

    /// The finished row with the highest validation ROC AUC (then accuracy), if any has one.
    public var best: SweepRow? {
        func key(_ row: SweepRow) -> (Double, Double) {
            (row.measurement?.validationAUC ?? -1, row.measurement?.validationAccuracy ?? -1)
        }
        return rows.filter { $0.measurement != nil }.max { key($0) < key($1) }
    }

    /// The result as pretty-printed JSON; non-finite numbers (a diverged loss) become strings.
    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try encoder.encode(self) + Data("\n".utf8)
    }

    /// Reads a result written by `json()`.
    public static func read(json data: Data) throws -> SweepResult {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try decoder.decode(SweepResult.self, from: data)
    }
}
