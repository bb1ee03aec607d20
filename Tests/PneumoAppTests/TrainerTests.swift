import Engine
import Foundation
import OpenCLKit
import XCTest
@testable import PneumoApp

/// A few real X-rays copied from the shared data set into a Kaggle-layout folder.
enum TinyChestXRays {
    /// The shared data set beside the repository, or nil when it is not there.
    static var source: URL? {
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let candidates: [String?] = [
            ProcessInfo.processInfo.environment[DataLocator.environmentVariable], repository.appendingPathComponent("../shared/data/chest_xray").path,
        ]
        return candidates.compactMap { $0 }.map { URL(fileURLWithPath: $0).standardizedFileURL }
            .first { FileManager.default.fileExists(atPath: $0.appendingPathComponent("train/NORMAL").path) }
    }

    /// Copies the first `perClass[split]` images of each class folder of each split into `root`.
    static func make(at root: URL, perClass: [String: Int] = ["train": 12, "val": 4]) throws {
        guard let source else { throw XCTSkip("the chest X-ray data set is not at ../shared/data/chest_xray or $PNEUMO_DATA") }
        for (split, count) in perClass {
            for label in ["NORMAL", "PNEUMONIA"] {
                let from = source.appendingPathComponent("\(split)/\(label)")
                let to = root.appendingPathComponent("\(split)/\(label)")
                try FileManager.default.createDirectory(at: to, withIntermediateDirectories: true)
                let names = try FileManager.default.contentsOfDirectory(atPath: from.path).filter { $0.hasSuffix(".jpeg") }.sorted()
                // Alternate bacterial and viral cases so three-class runs see every class.
                let chosen = label == "PNEUMONIA" ? interleave(names, count: count) : Array(names.prefix(count))
                for name in chosen {
                    try FileManager.default.copyItem(at: from.appendingPathComponent(name), to: to.appendingPathComponent(name))
                }
            }
        }
    }

    private static func interleave(_ names: [String], count: Int) -> [String] {
        let bacteria = names.filter { $0.contains("bacteria") }, viruses = names.filter { $0.contains("virus") }
        let alternating = zip(bacteria, viruses).flatMap { [$0, $1] }
        return Array((alternating + names.filter { !alternating.contains($0) }).prefix(count))
    }

    /// A small CNN with batch norm and dropout at 32 px: every kind of state a resume must restore.
    static let architecture = """
        {"name": "tiny", "input": {"channels": 1, "size": 32},
         "layers": [
           {"type": "Conv2D", "filters": 4, "kernel": 3, "padding": "same"}, {"type": "BatchNorm"}, {"type": "ReLU"},
           {"type": "MaxPool2D", "size": 2},
           {"type": "Conv2D", "filters": 8, "kernel": 3, "padding": "same"}, {"type": "BatchNorm"}, {"type": "ReLU"},
           {"type": "GlobalAvgPool"}, {"type": "Dropout", "rate": 0.25}, {"type": "Dense", "units": "output"}]}
        """

    /// Writes the architecture file into `folder` and returns its path.
    static func writeArchitecture(in folder: URL) throws -> String {
        let url = folder.appendingPathComponent("tiny.json")
        try Data(architecture.utf8).write(to: url)
        return url.path
    }

    /// What a trainer test needs: a fresh folder holding the data set and the architecture file,
    /// a context on the test device, and the training data read without the cache.
    static func fixture(_ test: XCTestCase) throws -> (folder: URL, context: ComputeContext, data: TrainingData, model: String) {
        let folder = try temporaryDirectory(test)
        try make(at: folder.appendingPathComponent("data"))
        let device = try DeviceSelector.choose(flag: ProcessInfo.processInfo.environment["PNEUMO_TEST_DEVICE"] ?? "cpu").device
        return (folder, try ComputeContext(device: device), TrainingData(root: folder.appendingPathComponent("data"), useCache: false),
                try writeArchitecture(in: folder))
    }

    /// Options for a run of a few seconds: 4 batches of 6 per epoch, validation on the val folder.
    static func options(model: String, epochs: Int = 3) -> TrainingOptions {
        TrainingOptions(
            model: model, epochs: epochs, batchSize: 6, optimizer: .adamw, learningRate: 0.01,
            schedule: .cosine(warmupEpochs: epochs > 1 ? 1 : 0, minimumFactor: 0.1), weightDecay: 0.01, validationFraction: 0, seed: 7)
    }
}

final class TrainerTests: XCTestCase {
    var context: ComputeContext!
    var folder: URL!
    var data: TrainingData!
    var model: String!

    override func setUpWithError() throws {
        (folder, context, data, model) = try TinyChestXRays.fixture(self)
    }

    private func train(_ options: TrainingOptions, into name: String, stopAfter checks: Int? = nil) throws -> (Trainer, TrainingOutcome) {
        let trainer = try Trainer(options: options, data: data, output: folder.appendingPathComponent(name), context: context)
        return (trainer, try trainer.train(shouldStop: Self.stopper(after: checks)))
    }

    /// Says stop on its (checks + 1)-th call: the trainer asks once before every batch and once after an epoch's batches.
    private static func stopper(after checks: Int?) -> () -> Bool {
        var calls = 0
        return {
            calls += 1
            return checks.map { calls > $0 } ?? false
        }
    }

    func testTrainingWritesCheckpointsHistoryAndOptions() throws {
        var options = TinyChestXRays.options(model: model)
        options.augmentation = .none  // So 24 images are enough for the loss to fall in 3 epochs.
        let (trainer, outcome) = try train(options, into: "run")
        guard case let .finished(summary) = outcome else { return XCTFail("expected the run to finish, got \(outcome)") }
        XCTAssertEqual(trainer.stepsPerEpoch, 4)
        XCTAssertEqual(summary.epochsCompleted, 3)
        XCTAssertGreaterThan(try XCTUnwrap(summary.peakDeviceBytes), 4 * 32 * 32, "at least an image of 32 x 32 floats")
        XCTAssertEqual(trainer.classWeights, [1, 1], "auto weights of a balanced split are 1")

        let run = RunDirectory(folder.appendingPathComponent("run"))
        for file in ["best.safetensors", "best.json", "last.safetensors", "last.json", "history.csv", "history.json", "options.json",
                     "MODEL_CARD.md", "model_card.html"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: run.url.appendingPathComponent(file).path), file)
        }
        XCTAssertFalse(run.canResume, "a finished run leaves no resume checkpoint")

        let history = try TrainingHistory.read(json: run.url.appendingPathComponent("history.json"))
        XCTAssertEqual(history.records.map(\.epoch), [1, 2, 3])
        for record in history.records {
            XCTAssertTrue(record.trainLoss.isFinite && record.trainLoss > 0, "\(record)")
            XCTAssertTrue((0...1).contains(record.trainAccuracy))
            XCTAssertTrue(record.validationLoss?.isFinite ?? false)
            XCTAssertNotNil(record.validationAUC)
            XCTAssertGreaterThan(record.imagesPerSecond, 0)
        }
        XCTAssertLessThan(history.records[2].trainLoss, history.records[0].trainLoss, "training loss should fall: \(history.records.map(\.trainLoss))")

        let metadata = try CheckpointStore.loadMetadata(from: run.best)
        XCTAssertEqual(metadata.classNames, ["normal", "pneumonia"])
        XCTAssertEqual(metadata.input, InputSpec(width: 32, height: 32, channels: 1))
        XCTAssertEqual(try metadata.trainingOptions.decode(TrainingOptions.self), options)
        XCTAssertEqual(metadata.trainingOptions["resolved"]?["batches_per_epoch"], .integer(4))
        XCTAssertEqual(metadata.preprocessing["side"], .integer(32))
        XCTAssertTrue(metadata.dataFingerprint.hasPrefix("sha256:"))
        let threshold = try XCTUnwrap(metadata.threshold)
        XCTAssertEqual(threshold.strategy, .youden)
        XCTAssertEqual(threshold.chosenOn, "validation")
        XCTAssertEqual(metadata.metrics["epoch"], Double(try XCTUnwrap(summary.bestEpoch)))
        XCTAssertEqual(metadata.metrics["val_loss"], summary.bestValue)
        XCTAssertEqual(metadata.metrics["val_loss"], history.records.compactMap(\.validationLoss).min())
        XCTAssertNotNil(metadata.metrics["val_auc"])

        let loaded = try TrainedModel.load(from: run.best, context: context)
        XCTAssertEqual(loaded.threshold, threshold.threshold)
        let record = try RunRecord.read(from: run.options)
        XCTAssertEqual(record.options, options)
    }

    func testResumedRunEndsWithTheSameWeightsAsAnUninterruptedOne() throws {
        var options = TinyChestXRays.options(model: model)
        options.schedule = .plateau(patience: 1, factor: 0.5, minimumFactor: 0.1)
        let (_, straight) = try train(options, into: "straight")
        guard case .finished = straight else { return XCTFail("the uninterrupted run should finish") }

        // Stop inside epoch 2 (after 6 batches), then after epoch 2's batches but before its validation.
        let (_, first) = try train(options, into: "resumed", stopAfter: 7)
        guard case let .interrupted(epoch, batch, runURL) = first else { return XCTFail("expected an interruption, got \(first)") }
        XCTAssertEqual([epoch, batch], [1, 2])
        XCTAssertTrue(RunDirectory(runURL).canResume)
        let second = try Trainer.resume(from: runURL, data: data, context: context).train(shouldStop: Self.stopper(after: 2))
        guard case let .interrupted(epoch2, batch2, _) = second else { return XCTFail("expected a second interruption, got \(second)") }
        XCTAssertEqual([epoch2, batch2], [1, 4])
        let third = try Trainer.resume(from: runURL, data: data, context: context).train()
        guard case .finished = third else { return XCTFail("the resumed run should finish, got \(third)") }

        for name in ["last", "best"] {
            let expected = try CheckpointStore.load(from: folder.appendingPathComponent("straight/\(name)"))
            let actual = try CheckpointStore.load(from: runURL.appendingPathComponent(name))
            XCTAssertEqual(actual.tensors.map(\.name), expected.tensors.map(\.name))
            for (a, b) in zip(actual.tensors, expected.tensors) {
                let differing = zip(a.values, b.values).filter { $0.bitPattern != $1.bitPattern }.count
                XCTAssertEqual(differing, 0, "\(name) tensor \(a.name): \(differing) of \(a.values.count) values differ after resuming")
            }
            XCTAssertEqual(actual.metadata.threshold, expected.metadata.threshold)
        }
        let straightHistory = try TrainingHistory.read(json: folder.appendingPathComponent("straight/history.json")).records
        let resumedHistory = try TrainingHistory.read(json: runURL.appendingPathComponent("history.json")).records
        XCTAssertEqual(resumedHistory.map(\.epoch), [1, 2, 3])
        for (a, b) in zip(straightHistory, resumedHistory) {
            XCTAssertEqual(a.trainLoss, b.trainLoss)
            XCTAssertEqual(a.trainAccuracy, b.trainAccuracy)
            XCTAssertEqual(a.validationLoss, b.validationLoss)
            XCTAssertEqual(a.learningRate, b.learningRate)
        }
    }

    func testRunFolderAndResumeMistakesAreRefused() throws {
        let options = TinyChestXRays.options(model: model, epochs: 1)
        _ = try train(options, into: "done")
        XCTAssertThrowsError(try train(options, into: "done")) { error in
            XCTAssertTrue("\(error)".contains("already holds a training run"), "\(error)")
        }
        XCTAssertThrowsError(try Trainer.resume(from: folder.appendingPathComponent("done"), data: data, context: context)) { error in
            XCTAssertTrue("\(error)".contains("no resume checkpoint"), "\(error)")
        }

        _ = try train(TinyChestXRays.options(model: model), into: "cut", stopAfter: 1)
        let other = folder.appendingPathComponent("other")
        try TinyChestXRays.make(at: other, perClass: ["train": 13, "val": 4])
        XCTAssertThrowsError(try Trainer.resume(
            from: folder.appendingPathComponent("cut"), data: TrainingData(root: other, useCache: false), context: context)) { error in
            XCTAssertTrue("\(error)".contains("cannot resume"), "\(error)")
        }

        var big = options
        big.batchSize = 64
        XCTAssertThrowsError(try train(big, into: "big")) { error in
            XCTAssertTrue("\(error)".contains("--batch-size 64"), "\(error)")
        }
    }

    func testThreeClassRunHasNoThreshold() throws {
        var options = TinyChestXRays.options(model: model, epochs: 1)
        options.classes = 3
        options.classWeights = .given([1, 1, 2])
        options.validationFraction = 0.3  // The official val folder holds no viral case.
        let (_, outcome) = try train(options, into: "three")
        guard case .finished = outcome else { return XCTFail("expected the run to finish") }
        let metadata = try CheckpointStore.loadMetadata(from: folder.appendingPathComponent("three/best"))
        XCTAssertEqual(metadata.classNames, ["normal", "bacterial", "viral"])
        XCTAssertNil(metadata.threshold)
        XCTAssertEqual(metadata.architecture["layers"]?.description.contains("output"), true)
        XCTAssertNotNil(metadata.metrics["val_auc"])
    }

    func testSweepRunnerTrainsAConfigurationAndReportsItsFigures() throws {
        var base = TinyChestXRays.options(model: model)
        base.validationFraction = 0.3
        let runner = TrainingSweepRunner(context: context, base: base)
        let settings = SweepSettings(dataRoot: data.root.path, model: model, epochs: 1, seed: 3)
        let directory = folder.appendingPathComponent("sweep/adam")
        let measurement = try runner.run(
            SweepConfiguration(optimizer: "adam", batchSize: 4, learningRate: 0.01), settings: settings, directory: directory)
        XCTAssertEqual(measurement.epochs, 1)
        XCTAssertTrue(measurement.trainLoss.isFinite)
        XCTAssertNotNil(measurement.validationAUC)
        let options = try CheckpointStore.loadMetadata(from: directory.appendingPathComponent("best")).trainingOptions.decode(TrainingOptions.self)
        XCTAssertEqual([options.optimizer.rawValue, "\(options.batchSize)", "\(options.seed)"], ["adam", "4", "3"])
        // Leftovers of an earlier attempt make way for a fresh run.
        XCTAssertNoThrow(try runner.run(
            SweepConfiguration(optimizer: "adam", batchSize: 4, learningRate: 0.01), settings: settings, directory: directory))
        XCTAssertThrowsError(try runner.run(
            SweepConfiguration(optimizer: "lbfgs", batchSize: 4, learningRate: 0.01), settings: settings, directory: directory))
    }
}
