import ArgumentParser

@main
struct Pneumo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pneumo",
        abstract: "Train, evaluate and serve pneumonia detectors on chest X-rays, on any OpenCL device.",
        subcommands: [
            DevicesCommand.self, EDACommand.self, TrainCommand.self, EvaluateCommand.self, PredictCommand.self,
            SweepCommand.self, ServeCommand.self, ExplainCommand.self, CalibrateCommand.self, EnsembleCommand.self,
            CardCommand.self, AuditCommand.self, BenchCommand.self, ExportCommand.self,
        ])

    // A flag rather than the configuration's `version:`, which is a fixed string built on every
    // parse; this report looks for OpenCL platforms, so it runs only when asked for.
    @Flag(help: "Print the version of pneumo and its engine, and the OpenCL platforms and TurboJPEG library found.")
    var version = false

    func run() async throws {
        guard version else { throw CleanExit.helpRequest(self) }
        print(VersionReport.lines().joined(separator: "\n"))
    }
}
