import Engine
import Foundation
import OpenCLKit
import XCTest
@testable import PneumoApp

final class WeightAveragingTests: XCTestCase {
    private func checkpointMetadata(count: Int, through epoch: Int) -> CheckpointMetadata {
        CheckpointMetadata(
            architecture: .object([:]), input: InputSpec(width: 4, height: 4, channels: 1), preprocessing: .object([:]),
            classNames: ["normal", "pneumonia"], threshold: nil, trainingOptions: .object([:]),
            metrics: [WeightAveraging.countKey: Double(count), WeightAveraging.lastEpochKey: Double(epoch)],
            dataFingerprint: "test", engineVersion: "test")
    }

    func testTheWindowIsTheLastEpochs() {
        XCTAssertEqual((1...15).filter { WeightAveraging.includes(epoch: $0, of: 15, window: 5) }, [11, 12, 13, 14, 15])
        XCTAssertEqual((1...15).filter { WeightAveraging.includes(epoch: $0, of: 15, window: 0) }, [])
    }

    func testFoldKeepsARunningMeanAndNeverCountsAnEpochTwice() throws {
        let location = try temporaryDirectory(self).appendingPathComponent("averaged")
        let first = [NamedTensor(name: "0.weight", shape: [3], values: [1, 2, 3])]
        let second = [NamedTensor(name: "0.weight", shape: [3], values: [3, 2, 1])]
        let third = [NamedTensor(name: "0.weight", shape: [3], values: [5, 5, 5])]

        let one = try XCTUnwrap(WeightAveraging.fold(first, epoch: 4, into: location))
        XCTAssertEqual(one.count, 1)
        try CheckpointStore.save(tensors: one.tensors, metadata: checkpointMetadata(count: 1, through: 4), to: location)
        let two = try XCTUnwrap(WeightAveraging.fold(second, epoch: 5, into: location))
        XCTAssertEqual(two.tensors[0].values, [2, 2, 2])
        try CheckpointStore.save(tensors: two.tensors, metadata: checkpointMetadata(count: 2, through: 5), to: location)
        XCTAssertNil(try WeightAveraging.fold(second, epoch: 5, into: location), "a resumed epoch end is not averaged again")
        let three = try XCTUnwrap(WeightAveraging.fold(third, epoch: 6, into: location))
        XCTAssertEqual(three.count, 3)
        XCTAssertEqual(three.tensors[0].values, [3, 3, 3])
    }

    func testTrainingWritesACalibratedAveragedCheckpoint() throws {
        let folder = try temporaryDirectory(self)
        try TinyChestXRays.make(at: folder.appendingPathComponent("data"))
        let context = try ComputeContext(device: try DeviceSelector.choose(flag: "cpu").device)
        var options = TinyChestXRays.options(model: try TinyChestXRays.writeArchitecture(in: folder))
        options.augmentation = .none
        options.averageEpochs = 2
        let trainer = try Trainer(
            options: options, data: TrainingData(root: folder.appendingPathComponent("data"), useCache: false),
            output: folder.appendingPathComponent("run"), context: context)
        _ = try trainer.train()
        let run = RunDirectory(folder.appendingPathComponent("run"))
        let averaged = try CheckpointStore.load(from: run.averaged)
        let last = try CheckpointStore.load(from: run.last)
        XCTAssertEqual(averaged.metadata.metrics[WeightAveraging.countKey], 2)
        XCTAssertEqual(averaged.metadata.metrics[WeightAveraging.lastEpochKey], 3)
        XCTAssertNotNil(averaged.metadata.metrics["val_loss"])
        XCTAssertNotNil(averaged.metadata.threshold)
        XCTAssertNotEqual(averaged.tensors, last.tensors)
        for checkpoint in [run.best, run.last, run.averaged] {
            XCTAssertNotNil(try CheckpointStore.loadMetadata(from: checkpoint).calibration, "\(checkpoint.lastPathComponent) is calibrated")
        }
    }
}
