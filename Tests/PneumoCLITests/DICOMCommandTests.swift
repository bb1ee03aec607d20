import Foundation
import OpenCLKit
import PneumoApp
import XCTest

/// `pneumo predict` and `pneumo explain`, the built binary, on DICOM: every case predicts like
/// its JPEG, broken files are named with their reason, and the patient identifiers of
/// identifiers.dcm appear in no output, file or message.
final class DICOMCommandTests: XCTestCase {
    private static let fixtures = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures/DICOM")
    /// Identifiers written into identifiers.dcm by Scripts/make-dicom-fixtures.py.
    private static let identifiers = ["Quixbyrne", "Zelphine", "PID-88412-QZX", "19230417", "1923-04-17", "ALT-55190-WKV",
                                      "ACC7731904", "Vexmoor", "Thrumbleck"]
    /// Most a DICOM's probability may differ from its JPEG's (see DICOMServeTests).
    private static let tolerance = 0.005

    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("pneumo-cli-dicom-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    /// The `pneumo` executable built next to this test bundle.
    private func binary() throws -> URL {
        let candidates = [URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(), Bundle.main.bundleURL]
            .map { $0.appendingPathComponent("pneumo") }
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
            throw XCTSkip("the pneumo executable is not built next to the tests (\(candidates.map(\.path))); run swift build first")
        }
        return found
    }

    /// Runs the binary; standard output and standard error come back apart (progress bars go to the latter).
    private func run(_ arguments: [String]) throws -> (status: Int32, output: String, errors: String) {
        let process = Process()
        process.executableURL = try binary()
        process.arguments = arguments
        process.currentDirectoryURL = directory
        let errorFile = directory.appendingPathComponent("stderr-\(UUID().uuidString).txt")
        _ = FileManager.default.createFile(atPath: errorFile.path, contents: nil)
        let errorHandle = try FileHandle(forWritingTo: errorFile)
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = errorHandle
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try errorHandle.close()
        let errors = try String(contentsOf: errorFile, encoding: .utf8)
        try FileManager.default.removeItem(at: errorFile)
        return (process.terminationStatus, String(decoding: data, as: UTF8.self), errors)
    }

    /// A small untrained CNN saved as `pneumo train` saves checkpoints.
    private func checkpoint() throws -> String {
        let context = try ComputeContext(device: try DeviceSelector.choose(flag: "cpu").device)
        let spec = ArchitectureSpec(
            name: "tiny-cnn", input: .init(channels: 1, size: 32),
            layers: [
                LayerSpec(type: "Conv2D", filters: 4, kernel: 3, padding: "same", activation: "relu"), LayerSpec(type: "MaxPool2D", size: 2),
                LayerSpec(type: "Conv2D", filters: 6, kernel: 3, padding: "same", activation: "relu"),
                LayerSpec(type: "GlobalAvgPool"), LayerSpec(type: "Dense", units: .output),
            ])
        let model = try TrainedModel(spec: spec, classNames: ["normal", "pneumonia"], context: context, seed: 7)
        let metadata = CheckpointMetadata(
            architecture: try JSONValue(encoding: spec), input: InputSpec(width: 32, height: 32, channels: 1),
            preprocessing: .object([:]), classNames: model.classNames,
            threshold: ThresholdChoice(strategy: .youden, threshold: 0.5, sensitivity: 0.9, specificity: 0.8, chosenOn: "validation"),
            trainingOptions: .object([:]), metrics: [:], dataFingerprint: "test-data", engineVersion: "test")
        let stem = directory.appendingPathComponent("tiny")
        try CheckpointStore.save(tensors: try model.weightTensors(), metadata: metadata, to: stem)
        return stem.path + ".json"
    }

    func testEveryCasePredictsLikeItsJPEGAndBrokenFilesAreNamed() throws {
        let model = try checkpoint()
        let run = try self.run(["predict", "--model", model, "--device", "cpu", "--format", "json", Self.fixtures.path])
        XCTAssertEqual(run.status, 0, run.output + run.errors)
        let start = try XCTUnwrap(run.output.firstIndex(of: "{"), run.output)
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(run.output[start...].utf8)) as? [String: Any])
        let entries = try XCTUnwrap(json["predictions"] as? [[String: Any]])
        var byName: [String: [String: Any]] = [:]
        for entry in entries { byName[URL(fileURLWithPath: entry["file"] as? String ?? "").lastPathComponent] = entry }
        for image in ["normal", "pneumonia"] {
            let jpeg = try XCTUnwrap(byName["\(image).jpeg"], "\(byName.keys.sorted())")
            let expected = try XCTUnwrap((jpeg["probabilities"] as? [Double])?.last, "\(jpeg)")
            let dicoms = byName.filter { $0.key.hasPrefix("\(image)-") && $0.key.hasSuffix(".dcm") }
            XCTAssertEqual(dicoms.count, 10, "\(dicoms.keys.sorted())")
            for (name, entry) in dicoms {
                let probability = try XCTUnwrap((entry["probabilities"] as? [Double])?.last, "\(name): \(entry)")
                XCTAssertEqual(probability, expected, accuracy: Self.tolerance, name)
                XCTAssertEqual(entry["class"] as? String, jpeg["class"] as? String, name)
            }
        }
        for (name, words) in [("no-pixel-data.dcm", "no Pixel Data"), ("unsupported-syntax-mpeg2.dcm", "unsupported DICOM transfer syntax"),
                              ("absurd-dimensions.dcm", "too large"), ("zero-rows.dcm", "impossible dimensions"),
                              ("colour-rgb.dcm", "RGB"), ("magic-then-garbage.dcm", "unreadable DICOM")] {
            let entry = try XCTUnwrap(byName[name], name)
            XCTAssertTrue((entry["error"] as? String ?? "").contains(words), "\(name): \(entry)")
        }
    }

    func testPatientIdentifiersAppearInNoOutput() throws {
        let model = try checkpoint()
        let dicom = Self.fixtures.appendingPathComponent("identifiers.dcm").path
        let truncated = directory.appendingPathComponent("cut.dcm")
        try Data(try Data(contentsOf: URL(fileURLWithPath: dicom)).prefix(900)).write(to: truncated)
        var texts: [String] = []
        for format in ["table", "csv", "json"] {
            let run = try self.run(["predict", "--model", model, "--device", "cpu", "--format", format, "--low-quality", "flag",
                                    "--grid", "grid-\(format).html", dicom, truncated.path])
            XCTAssertEqual(run.status, 0, run.output + run.errors)
            XCTAssertTrue(run.output.contains("identifiers.dcm"), run.output)
            texts += [run.output, run.errors]
        }
        let png = try self.run(["predict", "--model", model, "--device", "cpu", "--grid", "grid.png", dicom])
        texts += [png.output, png.errors]
        let explain = try self.run(["explain", "--model", model, "--device", "cpu", "--out", "explained", dicom])
        XCTAssertEqual(explain.status, 0, explain.output + explain.errors)
        texts += [explain.output, explain.errors]

        let written = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: nil)?
            .compactMap { $0 as? URL }.filter { $0.pathExtension != "safetensors" && $0.lastPathComponent != "cut.dcm" && !$0.hasDirectoryPath } ?? []
        XCTAssertTrue(written.contains { $0.deletingLastPathComponent().lastPathComponent == "explained" }, "\(written)")
        XCTAssertTrue(written.contains { $0.lastPathComponent == "grid.png" }, "\(written)")
        for file in written { texts.append(String(decoding: try Data(contentsOf: file), as: UTF8.self)) }
        for identifier in Self.identifiers {
            for text in texts { XCTAssertFalse(text.contains(identifier), "\(identifier) in \(text.prefix(300))") }
        }
    }
}
