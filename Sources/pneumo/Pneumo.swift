import ArgumentParser

@main
struct Pneumo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pneumo",
        abstract: "Train, evaluate and serve pneumonia detectors on chest X-rays, on any OpenCL device.",
        subcommands: [
            DevicesCommand.self, EDACommand.self, TrainCommand.self, EvaluateCommand.self, PredictCommand.self,
            SweepCommand.self, ServeCommand.self, ExplainCommand.self, CalibrateCommand.self, EnsembleCommand.self,
            CardCommand.self, AuditCommand.self, BenchCommand.self,
        ])
}
