import Foundation
import XCTest
@testable import PneumoApp

/// Stands in for the training loop: figures follow from the configuration, one configuration
/// fails, and it can stop the sweep at a chosen run.
private final class FakeRunner: SweepRunner {
    var calls: [SweepConfiguration] = []
    var failing: SweepConfiguration?
    var interruptAt: Int?

    func run(_ configuration: SweepConfiguration, settings: SweepSettings, directory: URL) throws -> SweepMeasurement {
        if let interruptAt, calls.count == interruptAt { throw SweepError.interrupted }
        calls.append(configuration)
        if configuration == failing { throw TrainingError.diverged("loss became NaN at epoch 1") }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let boost = configuration.optimizer == "adam" ? 0.1 : 0
        return SweepMeasurement(
            epochs: settings.epochs, trainLoss: 0.3, trainAccuracy: 0.9, validationLoss: 0.4,
            validationAccuracy: 0.7 + boost, validationRecall: 0.8, validationAUC: 0.75 + boost + configuration.learningRate,
            imagesPerSecond: Double(configuration.batchSize) * 10, seconds: 12)
    }
}

final class SweepTests: XCTestCase {
    private let settings = SweepSettings(dataRoot: "data", model: "seed-cnn", epochs: 2, seed: 5)

    private func grid() throws -> SweepGrid {
        try SweepGrid(optimizers: "sgd,adam", batchSizes: "16,32", learningRates: "0.01,0.001")
    }

    func testEveryConfigurationRunsInGridOrderAndFailuresAreRecorded() throws {
        let directory = try temporaryDirectory(self)
        let runner = FakeRunner()
        runner.failing = SweepConfiguration(optimizer: "sgd", batchSize: 32, learningRate: 0.01)
        let sweep = Sweep(grid: try grid(), settings: settings, directory: directory)
        var lines = [String]()
        let result = try sweep.run(with: runner, log: { lines.append($0) })

        XCTAssertEqual(runner.calls.map(\.label), [
            "sgd b16 lr0.01", "sgd b16 lr0.001", "sgd b32 lr0.01", "sgd b32 lr0.001",
            "adam b16 lr0.01", "adam b16 lr0.001", "adam b32 lr0.01", "adam b32 lr0.001",
        ])
        XCTAssertEqual(result.rows.count, 8)
        XCTAssertEqual(result.rows[2].error, "training diverged: loss became NaN at epoch 1")
        XCTAssertNil(result.rows[2].measurement)
        XCTAssertEqual(result.rows[0].directory, directory.appendingPathComponent("runs/sgd-b16-lr0.01").path)
        XCTAssertEqual(result.best?.configuration.label, "adam b16 lr0.01")
        XCTAssertTrue(lines.contains { $0.contains("[3/8] sgd b32 lr0.01: failed") }, "\(lines)")

        let csv = try String(contentsOf: sweep.files.csv, encoding: .utf8).split(separator: "\n").map(String.init)
        XCTAssertEqual(csv.count, 9)
        XCTAssertEqual(csv[0], SweepTable.columns.joined(separator: ","))
        XCTAssertEqual(csv[1], "sgd,16,0.01,2,0.7,0.8,0.76,0.4,0.9,0.3,160.0,12.0,")
        XCTAssertTrue(csv[3].hasPrefix("sgd,32,0.01,,,,,,,,,,"), csv[3])
        XCTAssertEqual(try SweepResult.read(json: Data(contentsOf: sweep.files.json)), result)

        let html = try String(contentsOf: sweep.files.html, encoding: .utf8)
        XCTAssertEqual(html.components(separatedBy: "<svg").count - 1, 2, "a metrics chart and a speed chart")
        XCTAssertTrue(html.contains("adam b32 lr0.001") && html.contains("images/s") && html.contains("ROC AUC"))

        let text = SweepTable.text(result)
        XCTAssertTrue(text.contains("failed: training diverged"), text)
        XCTAssertTrue(text.contains("best by validation AUC: adam b16 lr0.01"), text)
    }

    func testAnInterruptedSweepKeepsItsFinishedRunsAndResumes() throws {
        let directory = try temporaryDirectory(self)
        let sweep = Sweep(grid: try grid(), settings: settings, directory: directory)
        let first = FakeRunner()
        first.interruptAt = 3
        XCTAssertThrowsError(try sweep.run(with: first)) { XCTAssertEqual($0 as? SweepError, .interrupted) }
        let partial = try SweepResult.read(json: Data(contentsOf: sweep.files.json))
        XCTAssertEqual(partial.rows.count, 3)

        let second = FakeRunner()
        let result = try sweep.run(with: second, resume: true)
        XCTAssertEqual(second.calls.count, 5, "only the runs not finished before")
        XCTAssertEqual(result.rows.count, 8)
        XCTAssertEqual(Array(result.rows.prefix(3)), partial.rows)

        var stops = 0
        XCTAssertThrowsError(try sweep.run(with: FakeRunner(), shouldStop: { stops += 1; return stops > 1 })) {
            XCTAssertEqual($0 as? SweepError, .interrupted)
        }

        let other = Sweep(grid: try grid(), settings: SweepSettings(dataRoot: "data", model: "pneumonet", epochs: 2, seed: 5), directory: directory)
        XCTAssertThrowsError(try other.run(with: FakeRunner(), resume: true)) { XCTAssertTrue("\($0)".contains("other settings"), "\($0)") }
    }

    func testGridOptionsAreChecked() {
        XCTAssertThrowsError(try SweepGrid(optimizers: "sgd,lion", batchSizes: "16", learningRates: "0.01")) {
            XCTAssertTrue("\($0)".contains("unknown optimizer 'lion'"), "\($0)")
        }
        XCTAssertThrowsError(try SweepGrid(optimizers: "sgd", batchSizes: "16,x", learningRates: "0.01"))
        XCTAssertThrowsError(try SweepGrid(optimizers: "sgd", batchSizes: "16,16", learningRates: "0.01"))
        XCTAssertThrowsError(try SweepGrid(optimizers: "sgd", batchSizes: "16", learningRates: "-1"))
        XCTAssertThrowsError(try SweepGrid(optimizers: "", batchSizes: "16", learningRates: "0.01"))
        XCTAssertEqual(try SweepGrid(optimizers: " Adam ", batchSizes: "8", learningRates: "1e-3").configurations,
                       [SweepConfiguration(optimizer: "adam", batchSize: 8, learningRate: 0.001)])
    }

    func testMeasurementFromAHistoryTakesTheLastEpochAndTimeWeightedSpeed() throws {
        var history = TrainingHistory()
        try history.append(EpochRecord(epoch: 1, trainLoss: 0.7, trainAccuracy: 0.6, validationLoss: 0.6, validationAccuracy: 0.7,
                                       validationRecall: 0.9, validationAUC: 0.8, learningRate: 0.01, imagesPerSecond: 50, seconds: 30))
        try history.append(EpochRecord(epoch: 2, trainLoss: 0.5, trainAccuracy: 0.8, validationLoss: 0.5, validationAccuracy: 0.8,
                                       validationRecall: 0.95, validationAUC: 0.85, learningRate: 0.01, imagesPerSecond: 150, seconds: 10))
        let measurement = try SweepMeasurement(history: history)
        XCTAssertEqual(measurement.epochs, 2)
        XCTAssertEqual(measurement.validationAUC, 0.85)
        XCTAssertEqual(measurement.seconds, 40)
        XCTAssertEqual(measurement.imagesPerSecond, (50 * 30 + 150 * 10) / 40, accuracy: 1e-12)
        XCTAssertThrowsError(try SweepMeasurement(history: TrainingHistory()))
    }
}
