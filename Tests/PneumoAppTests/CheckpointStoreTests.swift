import Foundation
import XCTest
@testable import PneumoApp

final class CheckpointStoreTests: XCTestCase {
    let tensors = [
        NamedTensor(name: "0.weight", shape: [4, 1, 3, 3], values: (0..<36).map { Float($0) * 0.01 }),
        NamedTensor(name: "0.bias", shape: [4], values: [0.1, -0.2, 0.3, -0.4]),
    ]

    func metadata() throws -> CheckpointMetadata {
        CheckpointMetadata(
            architecture: try JSONValue(parsing: Data(#"{"name":"pneumonet","layers":[{"type":"conv2d","filters":4}]}"#.utf8)),
            input: InputSpec(width: 64, height: 64, channels: 1),
            preprocessing: .object(["resize": .string("stretch"), "scale": .number(1.0 / 255)]),
            classNames: ["NORMAL", "PNEUMONIA"],
            threshold: ThresholdChoice(strategy: .youden, threshold: 0.62, sensitivity: 0.97, specificity: 0.9, chosenOn: "validation"),
            trainingOptions: .object(["epochs": .integer(10), "optimizer": .string("adam")]),
            metrics: ["val_auc": 0.981, "val_loss": 0.19],
            dataFingerprint: "sha256:abc123",
            createdAt: Date(timeIntervalSince1970: 1_700_000_000.75),
            engineVersion: "0.1.0")
    }

    func testSaveThenLoadGivesBackEverything() throws {
        let directory = try temporaryDirectory(self)
        let original = try metadata()
        let paths = try CheckpointStore.save(tensors: tensors, metadata: original, to: directory.appendingPathComponent("run/best"))
        XCTAssertEqual(paths.weights.lastPathComponent, "best.safetensors")
        XCTAssertEqual(paths.metadata.lastPathComponent, "best.json")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: paths.weights.deletingLastPathComponent().path).sorted(),
                       ["best.json", "best.safetensors"])

        let checkpoint = try CheckpointStore.load(from: paths.metadata)
        XCTAssertEqual(checkpoint.tensors, tensors)
        var expected = original
        expected.weights = checkpoint.metadata.weights
        XCTAssertEqual(checkpoint.metadata, expected)
        XCTAssertEqual(checkpoint.metadata.createdAt, Date(timeIntervalSince1970: 1_700_000_000))
        let manifest = try XCTUnwrap(checkpoint.metadata.weights)
        XCTAssertEqual(manifest.file, "best.safetensors")
        XCTAssertEqual(manifest.tensors, ["0.weight": [4, 1, 3, 3], "0.bias": [4]])
        XCTAssertEqual(manifest.byteCount, try Data(contentsOf: paths.weights).count)
        XCTAssertEqual(try checkpoint.tensor(named: "0.bias").values, [0.1, -0.2, 0.3, -0.4])
        assertThrows(CheckpointError.self, { _ = try checkpoint.tensor(named: "9.weight") }) {
            XCTAssertTrue($0.detail.contains("0.weight"))
        }

        // The weights file alone is a valid safetensors file carrying the identifier.
        let weights = try Safetensors.read(from: paths.weights)
        XCTAssertEqual(weights.metadata[CheckpointStore.identifierKey], manifest.checkpointID)

        let json = try String(contentsOf: paths.metadata, encoding: .utf8)
        XCTAssertTrue(json.contains("\"createdAt\" : \"2023-11-14T22:13:20Z\""), json)
        XCTAssertTrue(json.contains("\"method\" : \"youden\""))
    }

    func testLocationsResolveToTheSamePair() throws {
        let directory = try temporaryDirectory(self)
        let stem = directory.appendingPathComponent("ckpt")
        let expected = CheckpointPaths(stem)
        XCTAssertEqual(CheckpointPaths(stem.appendingPathExtension("json")), expected)
        XCTAssertEqual(CheckpointPaths(stem.appendingPathExtension("safetensors")), expected)
        let folder = directory.appendingPathComponent("folder")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        XCTAssertEqual(CheckpointPaths(folder).weights, folder.appendingPathComponent("model.safetensors"))
        XCTAssertEqual(CheckpointPaths(folder).metadata, folder.appendingPathComponent("model.json"))
    }

    func testMissingFiles() throws {
        let directory = try temporaryDirectory(self)
        let stem = directory.appendingPathComponent("a")
        assertThrows(CheckpointError.self, { _ = try CheckpointStore.load(from: stem) }) {
            XCTAssertEqual($0.problem, .missing)
            XCTAssertTrue($0.description.contains("a.json"))
        }
        let paths = try CheckpointStore.save(tensors: tensors, metadata: metadata(), to: stem)
        try FileManager.default.removeItem(at: paths.weights)
        assertThrows(CheckpointError.self, { _ = try CheckpointStore.load(from: stem) }) {
            XCTAssertEqual($0.problem, .missing)
            XCTAssertTrue($0.description.contains("a.safetensors"))
        }
        // The metadata alone still loads, for commands that only describe a model.
        XCTAssertEqual(try CheckpointStore.loadMetadata(from: stem).classNames, ["NORMAL", "PNEUMONIA"])
    }

    func testTruncatedWeights() throws {
        let directory = try temporaryDirectory(self)
        let paths = try CheckpointStore.save(tensors: tensors, metadata: metadata(), to: directory.appendingPathComponent("a"))
        let data = try Data(contentsOf: paths.weights)
        try data.prefix(data.count - 10).write(to: paths.weights)
        assertThrows(CheckpointError.self, { _ = try CheckpointStore.load(from: paths.metadata) }) {
            XCTAssertEqual($0.problem, .truncated)
            XCTAssertTrue($0.detail.contains("truncated"))
        }
    }

    func testWeightsFromAnotherSaveAreDetected() throws {
        let directory = try temporaryDirectory(self)
        let first = try CheckpointStore.save(tensors: tensors, metadata: metadata(), to: directory.appendingPathComponent("a"))
        let second = try CheckpointStore.save(tensors: tensors, metadata: metadata(), to: directory.appendingPathComponent("b"))
        try FileManager.default.removeItem(at: first.weights)
        try FileManager.default.copyItem(at: second.weights, to: first.weights)
        assertThrows(CheckpointError.self, { _ = try CheckpointStore.load(from: first.metadata) }) {
            XCTAssertEqual($0.problem, .mismatched)
            XCTAssertTrue($0.detail.contains("different saves"))
        }
    }

    func testAlteredWeightsAreDetected() throws {
        let directory = try temporaryDirectory(self)
        let paths = try CheckpointStore.save(tensors: tensors, metadata: metadata(), to: directory.appendingPathComponent("a"))
        var data = try Data(contentsOf: paths.weights)
        data[data.count - 1] ^= 0x40
        try data.write(to: paths.weights)
        assertThrows(CheckpointError.self, { _ = try CheckpointStore.load(from: paths.metadata) }) {
            XCTAssertEqual($0.problem, .corrupted)
        }
    }

    func testInvalidMetadataIsRefusedOnSaveAndLoad() throws {
        let directory = try temporaryDirectory(self)
        var bad = try metadata()
        bad.metrics["val_loss"] = .nan
        bad.classNames = ["A", "A"]
        assertThrows(CheckpointError.self, { try CheckpointStore.save(tensors: self.tensors, metadata: bad, to: directory.appendingPathComponent("x")) }) {
            XCTAssertEqual($0.problem, .invalidMetadata)
            XCTAssertTrue($0.detail.contains("val_loss"))
            XCTAssertTrue($0.detail.contains("duplicates"))
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory.appendingPathComponent("x.safetensors").path))

        let paths = try CheckpointStore.save(tensors: tensors, metadata: metadata(), to: directory.appendingPathComponent("a"))
        let json = try String(contentsOf: paths.metadata, encoding: .utf8)
        try json.replacingOccurrences(of: "\"formatVersion\" : 1", with: "\"formatVersion\" : 7").write(to: paths.metadata, atomically: true, encoding: .utf8)
        assertThrows(CheckpointError.self, { _ = try CheckpointStore.load(from: paths.metadata) }) {
            XCTAssertEqual($0.problem, .invalidMetadata)
            XCTAssertTrue($0.detail.contains("version 7"))
        }
        try json.replacingOccurrences(of: "\"classNames\"", with: "\"labels\"").write(to: paths.metadata, atomically: true, encoding: .utf8)
        assertThrows(CheckpointError.self, { _ = try CheckpointStore.load(from: paths.metadata) }) {
            XCTAssertTrue($0.detail.contains("classNames"), $0.detail)
        }
        try "{ not json".write(to: paths.metadata, atomically: true, encoding: .utf8)
        assertThrows(CheckpointError.self, { _ = try CheckpointStore.load(from: paths.metadata) }) {
            XCTAssertEqual($0.problem, .invalidMetadata)
        }
    }

    func testMulticlassMetadataWithoutThresholdAndWithResumeState() throws {
        let directory = try temporaryDirectory(self)
        var meta = try metadata()
        meta.classNames = ["normal", "bacterial", "viral"]
        meta.threshold = nil
        meta.resumeState = .object(["epoch": .integer(3), "batch": .integer(17), "rng": .string("123456789")])
        let paths = try CheckpointStore.save(tensors: tensors, metadata: meta, to: directory.appendingPathComponent("resume"))
        let loaded = try CheckpointStore.load(from: paths.weights)
        XCTAssertNil(loaded.metadata.threshold)
        XCTAssertEqual(loaded.metadata.resumeState?["batch"], .integer(17))

        meta.threshold = ThresholdChoice(strategy: .fixed(0.5), threshold: 0.5, sensitivity: 1, specificity: 1, chosenOn: "validation")
        XCTAssertFalse(meta.problems().isEmpty, "a threshold with three classes must be refused")
    }
}
