import Foundation

/// Runs every configuration of a grid with a `SweepRunner`: `pneumo sweep`.
///
/// After each run the table (CSV and JSON) and the chart page are rewritten atomically, so an
/// interrupted sweep leaves complete files for the runs it finished; with `resume` a sweep
/// started again over the same folder and settings skips the runs already finished.
public struct Sweep {
    /// The files a sweep writes.
    public struct Files: Sendable {
        /// Table as CSV.
        public let csv: URL
        /// Every figure as JSON.
        public let json: URL
        /// Bar charts and table, self-contained.
        public let html: URL
        /// Folder holding one folder per run.
        public let runs: URL

        /// The files inside `directory`.
        public init(directory: URL) {
            csv = directory.appendingPathComponent("sweep.csv")
            json = directory.appendingPathComponent("sweep.json")
            html = directory.appendingPathComponent("sweep.html")
            runs = directory.appendingPathComponent("runs", isDirectory: true)
        }
    }

    /// The configurations to run.
    public let grid: SweepGrid
    /// What every run shares.
    public let settings: SweepSettings
    /// Where the table, chart and runs go.
    public let files: Files

    /// Creates a sweep writing into `directory`.
    public init(grid: SweepGrid, settings: SweepSettings, directory: URL) {
        self.grid = grid
        self.settings = settings
        files = Files(directory: directory)
    }

    /// Runs each configuration in grid order. A failed run is recorded with its error and the
    /// sweep goes on; `SweepError.interrupted` from the runner, or `shouldStop` turning true
    /// between runs, stops it after writing the files. `log` receives one line per run.
    @discardableResult
    public func run(
        with runner: SweepRunner, resume: Bool = false, shouldStop: () -> Bool = { false }, log: (String) -> Void = { _ in }
    ) throws -> SweepResult {
        let finished = resume ? try previousRows() : [:]
        var result = SweepResult(settings: settings, rows: [])
        for (index, configuration) in grid.configurations.enumerated() {
            let position = "[\(index + 1)/\(grid.configurations.count)] \(configuration.label)"
            if let row = finished[configuration] {
                result.rows.append(row)
                log("\(position): finished in an earlier sweep, kept")
                continue
            }
            if shouldStop() { throw SweepError.interrupted }
            let directory = files.runs.appendingPathComponent(configuration.slug, isDirectory: true)
            var row = SweepRow(configuration: configuration, measurement: nil, error: nil, directory: directory.path)
            log("\(position): training")
            do {
                row.measurement = try runner.run(configuration, settings: settings, directory: directory)
            } catch SweepError.interrupted {
                try write(result)
                throw SweepError.interrupted
            } catch {
                row.error = "\(error)"
            }
            result.rows.append(row)
            try write(result)
            if let m = row.measurement {
                log("\(position): val accuracy \(NumberFormat.fixed(m.validationAccuracy ?? .nan, 3)), "
                    + "val AUC \(NumberFormat.fixed(m.validationAUC ?? .nan, 3)), \(NumberFormat.fixed(m.imagesPerSecond, 1)) images/s")
            } else {
                log("\(position): failed: \(row.error ?? "unknown error")")
            }
        }
        try write(result)
        return result
    }

    /// Writes the CSV, JSON and HTML of the rows so far.
    func write(_ result: SweepResult) throws {
        try AtomicFile.write(SweepTable.csv(result), to: files.csv)
        try AtomicFile.write(try result.json(), to: files.json)
        try SweepReport.build(result).write(to: files.html)
    }

    /// Finished rows of an earlier sweep in the same folder with the same settings.
    private func previousRows() throws -> [SweepConfiguration: SweepRow] {
        guard FileManager.default.fileExists(atPath: files.json.path) else { return [:] }
        let previous: SweepResult
        do {
            previous = try SweepResult.read(json: Data(contentsOf: files.json))
        } catch {
            throw SweepError.invalidOption("cannot resume from \(files.json.path): \(error); remove it or choose another --out")
        }
        guard previous.settings == settings else {
            throw SweepError.invalidOption(
                "\(files.json.path) comes from a sweep with other settings (\(previous.settings.model), \(previous.settings.epochs) epochs, "
                    + "seed \(previous.settings.seed)); choose another --out or repeat those settings")
        }
        var rows = [SweepConfiguration: SweepRow]()
        for row in previous.rows where row.measurement != nil { rows[row.configuration] = row }
        return rows
    }
}
