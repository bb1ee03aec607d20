import ArgumentParser
import Engine
import Foundation
import OpenCLKit
import PneumoApp

/// `pneumo sweep`: the notebook's experiments, short training runs over a grid of settings.
struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Train every optimizer x batch size x learning rate (short runs, same seed) and compare them.",
        discussion: """
            Writes OUT/sweep.csv, OUT/sweep.json and OUT/sweep.html (bar charts of validation accuracy, \
            recall, ROC AUC and images/s) after every run, and each run's checkpoint and history in \
            OUT/runs/CONFIGURATION/. A failed run is recorded and the sweep goes on; Ctrl-C stops after \
            writing the table. --resume skips the runs a previous sweep in OUT finished.
            """)

    @Option(help: "Folder holding train/, val/ and test/ (default: $PNEUMO_DATA, else ../shared/data/chest_xray).")
    var data: String?

    @Option(help: "Comma-separated optimizers: \(SweepGrid.knownOptimizers.joined(separator: ", ")).")
    var optimizers = "sgd,adam"

    @Option(help: "Comma-separated batch sizes.")
    var batchSizes = "16,32"

    @Option(help: "Comma-separated learning rates.")
    var learningRates = "0.01,0.001"

    @Option(help: "Epochs per run.")
    var epochs = 2

    @Option(help: "Built-in model name or architecture .json file.")
    var model = "seed-cnn"

    @Option(help: "Seed every run starts from.")
    var seed: UInt64 = 0

    @Option(help: "Folder for the table, the chart and the runs.")
    var out = "runs/sweep"

    @Flag(help: "Keep the runs a previous sweep with the same settings finished in OUT.")
    var resume = false

    @OptionGroup var device: DeviceOptions

    func validate() throws {
        guard (1...1000).contains(epochs) else { throw ValidationError("--epochs must be between 1 and 1000, got \(epochs)") }
        do {
            _ = try SweepGrid(optimizers: optimizers, batchSizes: batchSizes, learningRates: learningRates)
        } catch {
            throw ValidationError("\(error)")
        }
    }

    func run() throws {
        let grid = try SweepGrid(optimizers: optimizers, batchSizes: batchSizes, learningRates: learningRates)
        let root = try DataLocator.locate(data)
        let settings = SweepSettings(dataRoot: root.path, model: model, epochs: epochs, seed: seed)
        let context = try device.makeContext()
        let runner = try makeRunner(context: context)
        let interrupt = InterruptSignal()
        interrupt.install { _ in Console.log("stopping after the current run (press Ctrl-C again to quit at once)") }
        defer { interrupt.uninstall() }
        let sweep = Sweep(grid: grid, settings: settings, directory: URL(fileURLWithPath: out, isDirectory: true))
        Console.log("sweep of \(grid.configurations.count) configuration(s), \(epochs) epoch(s) each, into \(out)")
        let result = try sweep.run(with: runner, resume: resume, shouldStop: { interrupt.receivedSignal != nil }, log: Console.log)
        print(SweepTable.text(result))
        print("wrote \(sweep.files.csv.path), \(sweep.files.json.path) and \(sweep.files.html.path)")
    }

    /// The runner that trains one configuration. This is where the sweep meets the training
    /// loop: a `SweepRunner` built on `Trainer` (see SweepRunner's documentation).
    private func makeRunner(context: ComputeContext) throws -> SweepRunner {
        TrainingSweepRunner(
            context: context,
            reporter: TrainingReporter(
                status: Console.log, epoch: Console.log, progressBar: { total, label in ProgressBar(total: total, label: label) }))
    }
}
