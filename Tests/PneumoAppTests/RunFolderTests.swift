import Foundation
import PneumoData
import XCTest
@testable import PneumoApp

/// Claiming, continuing and checking run folders, and the data checks made before training.
final class RunFolderTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = try temporaryDirectory(self)
    }

    func testASecondClaimOnARunFolderFailsAtOnceUntilTheFirstIsReleased() throws {
        let run = directory.appendingPathComponent("runs/shared")
        var first: RunLock? = try RunLock(folder: run)
        XCTAssertNotNil(first)
        assertThrows(TrainingError.self, { _ = try RunLock(folder: run) }) { error in
            XCTAssertEqual(error, .runFolderInUse(run))
            XCTAssertTrue(error.description.contains("another training is using the run folder \(run.path)"), error.description)
        }
        first = nil
        XCTAssertNoThrow(try RunLock(folder: run), "closing the first claim releases the folder")
    }

    func testTrainingAndResumeRefuseAFolderAnotherTrainingHolds() throws {
        let context = try EvaluateFixture.cpu()
        let run = directory.appendingPathComponent("busy")
        let held = try RunLock(folder: run)
        let data = TrainingData(root: directory.appendingPathComponent("data"), useCache: false)
        assertThrows(TrainingError.self, { _ = try Trainer(options: TrainingOptions(), data: data, output: run, context: context) }) {
            XCTAssertEqual($0, .runFolderInUse(run))
        }
        try Data("{}".utf8).write(to: CheckpointPaths(RunDirectory(run).resume).metadata)
        assertThrows(TrainingError.self, { _ = try Trainer.resume(from: run, data: data, context: context) }) {
            XCTAssertEqual($0, .runFolderInUse(run))
        }
        withExtendedLifetime(held) {}
    }

    func testResumingAMissingFolderSaysTheFolderDoesNotExist() throws {
        let context = try EvaluateFixture.cpu()
        let missing = directory.appendingPathComponent("no/such/run")
        assertThrows(TrainingError.self, { try RunDirectory(missing).checkResumable() }) { error in
            XCTAssertEqual(error, .missingRunFolder(missing))
            XCTAssertTrue(error.description.contains("does not exist") && error.description.contains("--resume"), error.description)
        }
        let data = TrainingData(root: directory.appendingPathComponent("data"), useCache: false)
        assertThrows(TrainingError.self, { _ = try Trainer.resume(from: missing, data: data, context: context) }) {
            XCTAssertEqual($0, .missingRunFolder(missing))
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: missing.path), "a failed resume creates nothing")

        let file = directory.appendingPathComponent("notes.txt")
        try Data("x".utf8).write(to: file)
        XCTAssertThrowsError(try RunDirectory(file).checkResumable()) { XCTAssertTrue("\($0)".contains("is a file, not a run folder"), "\($0)") }
    }

    func testAClassWithNoTrainingImagesAsksForImagesNotAValidationShare() {
        let train = URL(fileURLWithPath: "/data/train")
        for fraction in [0.1, 0] {
            XCTAssertThrowsError(try ClassCoverage.check(
                trainCounts: [0, 40], validationCounts: fraction > 0 ? [0, 5] : [4, 4], classNames: ["normal", "pneumonia"],
                validationFraction: fraction, trainFolder: train)) { error in
                let message = "\(error)"
                XCTAssertTrue(message.contains("/data/train has no normal training images"), message)
                XCTAssertTrue(message.contains("add normal images"), message)
                XCTAssertFalse(message.contains("--val-fraction"), message)
            }
        }
        XCTAssertThrowsError(try ClassCoverage.check(
            trainCounts: [30, 40], validationCounts: [0, 5], classNames: ["normal", "pneumonia"], validationFraction: 0.1, trainFolder: train)) {
            XCTAssertTrue("\($0)".contains("raise --val-fraction"), "\($0)")
        }
        XCTAssertNoThrow(try ClassCoverage.check(
            trainCounts: [30, 40], validationCounts: [3, 5], classNames: ["normal", "pneumonia"], validationFraction: 0.1, trainFolder: train))
    }

    func testACacheDirectoryThatIsAFileIsNamedBeforeAnyDecoding() throws {
        let root = try EvaluateFixture.dataSet(in: directory)
        let file = directory.appendingPathComponent("cache")
        try Data("x".utf8).write(to: file)
        for cache in [file, file.appendingPathComponent("decoded")] {
            XCTAssertThrowsError(try DatasetPreparation(root: root, labels: .binary, side: 32, cacheDirectory: cache)) { error in
                guard case .unusableCache = error as? DataError else { return XCTFail("got \(error)") }
                let message = "\(error)"
                XCTAssertTrue(message.contains("is a file, not a folder") && message.contains("--cache-dir"), message)
            }
        }
    }
}
