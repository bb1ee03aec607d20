import Engine
import Foundation
import OpenCLKit
import PneumoData
import XCTest
@testable import PneumoApp

/// The preprocessing written into checkpoints: it reads back as written, older records read
/// with today's behaviour, and records no model can use are refused on load.
final class InputPreprocessingTests: XCTestCase {
    private func cpu() throws -> ComputeContext {
        try ComputeContext(device: try DeviceSelector.choose(flag: "cpu").device)
    }

    private func metadata(_ model: TrainedModel, preprocessing: JSONValue) throws -> CheckpointMetadata {
        let input = model.spec.input
        return CheckpointMetadata(
            architecture: try JSONValue(encoding: model.spec), input: InputSpec(width: input.size, height: input.size, channels: input.channels),
            preprocessing: preprocessing, classNames: model.classNames, threshold: nil, trainingOptions: .object([:]),
            metrics: [:], dataFingerprint: "test", engineVersion: "test")
    }

    private func saved(_ model: TrainedModel, preprocessing: JSONValue) throws -> URL {
        let stem = try temporaryDirectory(self).appendingPathComponent("model")
        try CheckpointStore.save(tensors: try model.weightTensors(), metadata: try metadata(model, preprocessing: preprocessing), to: stem)
        return stem
    }

    func testRoundTripThroughCheckpointMetadata() throws {
        let model = try TrainedModel(spec: TrainedModelTests.tiny, classNames: ["normal", "pneumonia"], context: try cpu(), seed: 2)
        let custom = InputPreprocessing(side: 12, channels: 1, scale: 1 / 127.5, offset: -1)
        let stem = try saved(model, preprocessing: try JSONValue(encoding: custom))
        let stored = try CheckpointStore.load(from: stem).metadata
        XCTAssertEqual(try stored.inputPreprocessing(), custom)
        XCTAssertEqual(stored.preprocessing["resize"], .string("dct-area"))
        XCTAssertEqual(stored.preprocessing["color"], .string("grayscale"))
        XCTAssertEqual(try TrainedModel.load(from: stem, context: try cpu()).preprocessing, custom)
    }

    /// The record training wrote before the value existed (decoder fields, channels, colour and
    /// scale, no resize or offset), an empty record and no record at all: all read as today's
    /// behaviour, and give the probabilities of the old host-side arithmetic to the bit.
    func testOlderRecordsLoadWithTodaysBehaviour() throws {
        let context = try cpu()
        let model = try TrainedModel(spec: TrainedModelTests.tiny, classNames: ["normal", "pneumonia"], context: context, seed: 5)
        let older: [JSONValue] = [
            .object([
                "side": .integer(12), "maxPixels": .integer(67_108_864), "channels": .integer(1),
                "color": .string("grayscale"), "scale": .number(1.0 / 255.0),
            ]),
            .object([:]),
            .null,
        ]
        var generator = SeededGenerator(seed: 8)
        let pixels = (0..<(3 * 144)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        let oldValues = pixels.map { Float($0) * (1 / 255) }  // What the host computed before.
        let expected = try model.probabilities(images: oldValues, count: 3)
        for record in older {
            let loaded = try TrainedModel.load(from: try saved(model, preprocessing: record), context: context)
            XCTAssertEqual(loaded.preprocessing, InputPreprocessing(side: 12, channels: 1), "\(record)")
            XCTAssertEqual(loaded.preprocessing.floatScale, Float(1) / 255)
            XCTAssertEqual(try loaded.probabilities(.pixels(pixels), count: 3, batchSize: 2), expected, "\(record)")
        }
    }

    func testUnusableRecordsAreRefusedByName() throws {
        let model = try TrainedModel(spec: TrainedModelTests.tiny, classNames: ["normal", "pneumonia"], context: try cpu(), seed: 5)
        let cases: [(JSONValue, String)] = [
            (.object(["resize": .string("stretch")]), "stretch"),
            (.object(["color": .string("rgb")]), "rgb"),
            (.object(["side": .integer(16)]), "side 16"),
            (.object(["channels": .integer(3)]), "3 channels"),
            (.object(["scale": .number(0)]), "scale 0"),
            (.string("gray"), "cannot be read"),
        ]
        for (record, words) in cases {
            let stem = try saved(model, preprocessing: record)
            XCTAssertThrowsError(try TrainedModel.load(from: stem, context: try cpu())) { error in
                XCTAssertTrue("\(error)".contains(words), "\(record): \(error)")
            }
        }
    }

    func testEnsembleMembersMustShareTheirPreprocessing() throws {
        let context = try cpu()
        let model = try TrainedModel(spec: TrainedModelTests.tiny, classNames: ["normal", "pneumonia"], context: context, seed: 5)
        let plain = try saved(model, preprocessing: try JSONValue(encoding: model.preprocessing))
        let centred = try saved(model, preprocessing: try JSONValue(encoding: InputPreprocessing(side: 12, channels: 1, offset: -0.5)))
        let members = try [plain, centred].map { try TrainedModel.load(from: $0, context: context) }
        XCTAssertNoThrow(try EnsembleBuilder.checkCompatible([members[0], members[0]], paths: [plain, plain]))
        XCTAssertThrowsError(try EnsembleBuilder.checkCompatible(members, paths: [plain, centred])) { error in
            XCTAssertTrue("\(error)".contains("prepares its input as 12 px gray (dct-area), byte * 0.00392156862745098 + -0.5"), "\(error)")
        }
    }

    func testHostReferenceAppliesScaleOffsetAndChannels() throws {
        let preprocessing = InputPreprocessing(side: 1, channels: 3, scale: 0.5, offset: -1)
        XCTAssertEqual(try preprocessing.values(pixels: [0, 4], count: 2), [-1, -1, -1, 1, 1, 1])
        XCTAssertThrowsError(try preprocessing.values(pixels: [0, 4, 8], count: 2))
        XCTAssertEqual(InputPreprocessing(side: 2, channels: 1).decoding, ImagePreprocessing(side: 2))
        XCTAssertEqual(InputPreprocessing(side: 2, channels: 1).scalingWords, "scaled to [0, 1]")
        XCTAssertEqual(InputPreprocessing(side: 2, channels: 1, scale: 1 / 127.5, offset: -1).scalingWords, "scaled to [-1, 1]")
    }
}
