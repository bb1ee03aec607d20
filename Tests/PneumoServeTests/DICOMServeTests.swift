import Engine
import Foundation
import OpenCLKit
import PneumoApp
import PneumoData
import XCTest
@testable import PneumoServe

/// DICOM uploads in front of a real checkpoint: each case is classified like the JPEG it was
/// made from, broken files get 4xx answers, and no patient identifier reaches an answer or the log.
final class DICOMServeTests: XCTestCase {
    private static let fixtures = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures/DICOM")
    private static let cases = [
        "mono2-8bit-explicit", "mono2-8bit-implicit", "mono1-8bit-rle", "mono2-12bit-window", "mono1-16bit-signed",
        "mono2-12bit-voilut", "jpeg-baseline", "jpeg-lossless", "jpeg2000", "jpeg-ls",
    ]
    /// Identifiers written into identifiers.dcm by Scripts/make-dicom-fixtures.py.
    private static let identifiers = ["Quixbyrne", "Zelphine", "PID-88412-QZX", "19230417", "ALT-55190-WKV",
                                      "ACC7731904", "Vexmoor", "Thrumbleck"]
    /// Most a DICOM's probability may differ from its JPEG's: both are resized to the model's
    /// side by the same TurboJPEG path, the DICOM after a quality-100 JPEG round trip.
    static let tolerance = 0.005

    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("pneumo-serve-dicom-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    private func bytes(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: Self.fixtures.appendingPathComponent(name)))
    }

    private func classifier() async throws -> TrainedModelClassifier {
        let context = try ComputeContext(device: try DeviceSelector.choose(flag: "cpu").device)
        let model = try TrainedModel(spec: RealModelServeTests.spec, classNames: ["normal", "pneumonia"], context: context, seed: 4)
        let metadata = CheckpointMetadata(
            architecture: try JSONValue(encoding: RealModelServeTests.spec), input: InputSpec(width: 24, height: 24, channels: 1),
            preprocessing: .object([:]), classNames: model.classNames,
            threshold: ThresholdChoice(strategy: .youden, threshold: RealModelServeTests.threshold, sensitivity: 0.9, specificity: 0.8, chosenOn: "validation"),
            trainingOptions: .object([:]), metrics: [:], dataFingerprint: "test-data", engineVersion: "test")
        let stem = directory.appendingPathComponent("tiny")
        try CheckpointStore.save(tensors: try model.weightTensors(), metadata: metadata, to: stem)
        return try await TrainedModelClassifier.load(checkpoint: stem, context: context)
    }

    func testEachCaseIsClassifiedLikeItsJPEG() async throws {
        let classifier = try await classifier()
        try await withServer(classifier) { port in
            for image in ["normal", "pneumonia"] {
                let jpeg = try await predict(port: port, try bytes("\(image).jpeg"))
                XCTAssertEqual(jpeg.status, 200)
                let expected = try XCTUnwrap((jpeg.json?["probabilities"] as? [String: Double])?["pneumonia"])
                for name in Self.cases {
                    let answer = try await predict(port: port, try bytes("\(image)-\(name).dcm"), contentType: "application/dicom", query: "?heatmap=1")
                    XCTAssertEqual(answer.status, 200, "\(image) \(name): \(answer.text)")
                    let json = try XCTUnwrap(answer.json)
                    let probability = try XCTUnwrap((json["probabilities"] as? [String: Double])?["pneumonia"])
                    XCTAssertEqual(probability, expected, accuracy: Self.tolerance, "\(image) \(name)")
                    XCTAssertEqual(json["class"] as? String, jpeg.json?["class"] as? String, "\(image) \(name)")
                    XCTAssertEqual((json["image"] as? [String: Any])?["width"] as? Int, 224)
                    XCTAssertNotNil(json["heatmap"], name)
                }
            }
        }
    }

    func testBrokenDICOMGetClientErrors() async throws {
        let truncated = Array(try bytes("normal-mono2-8bit-explicit.dcm").dropLast(5000))
        let cutCompressed = Array(try bytes("normal-jpeg2000.dcm").prefix(3000))
        let cases: [(String, [UInt8], Int, String)] = [
            ("no pixel data", try bytes("bad/no-pixel-data.dcm"), 422, "dicom_without_pixel_data"),
            ("MPEG-2", try bytes("bad/unsupported-syntax-mpeg2.dcm"), 415, "unsupported_dicom_syntax"),
            ("absurd dimensions", try bytes("bad/absurd-dimensions.dcm"), 413, "too_many_pixels"),
            ("zero rows", try bytes("bad/zero-rows.dcm"), 400, "bad_dicom_dimensions"),
            ("colour", try bytes("bad/colour-rgb.dcm"), 415, "unsupported_dicom_image"),
            ("not DICOM after the magic", try bytes("bad/magic-then-garbage.dcm"), 400, "unreadable_dicom"),
            ("truncated pixel data", truncated, 400, "truncated_dicom"),
        ]
        try await withServer(try await classifier()) { port in
            for (name, body, status, code) in cases {
                let answer = try await predict(port: port, body, contentType: "application/dicom")
                XCTAssertEqual(answer.status, status, "\(name): \(answer.text)")
                XCTAssertEqual(answer.errorCode, code, "\(name): \(answer.text)")
            }
            let cut = try await predict(port: port, cutCompressed, contentType: "application/octet-stream")
            XCTAssertTrue([400].contains(cut.status), cut.text)
            XCTAssertTrue(["unreadable_dicom", "truncated_dicom"].contains(cut.errorCode ?? ""), cut.text)
            // The server still serves after all of them.
            let good = try await predict(port: port, try bytes("normal-jpeg-baseline.dcm"), contentType: "application/dicom")
            XCTAssertEqual(good.status, 200, good.text)
        }
    }

    func testPatientIdentifiersReachNeitherAnswersNorTheLog() async throws {
        let capture = LogCapture()
        let dicom = try bytes("identifiers.dcm")
        let text = String(decoding: dicom, as: UTF8.self)
        for identifier in Self.identifiers { XCTAssertTrue(text.contains(identifier), "the fixture holds \(identifier)") }
        var bodies: [String] = []
        try await withServer(try await classifier(), log: capture.log) { port in
            for query in ["", "?heatmap=1", "?low_quality=flag&heatmap=1"] {
                let answer = try await predict(port: port, dicom, contentType: "application/dicom", query: query)
                XCTAssertEqual(answer.status, 200, answer.text)
                bodies.append(answer.text + answer.headers.map { "\($0.key): \($0.value)" }.joined())
            }
            // Broken copies of it: the errors describe the file, never its dataset.
            for cut in [400, 700, dicom.count - 100] {
                let answer = try await predict(port: port, Array(dicom.prefix(cut)), contentType: "application/dicom")
                XCTAssertGreaterThanOrEqual(answer.status, 400)
                bodies.append(answer.text)
            }
        }
        let everything = bodies + capture.lines + capture.frameworkLines
        XCTAssertGreaterThan(capture.lines.count, 0, "the request log is written")
        for identifier in Self.identifiers {
            for line in everything { XCTAssertFalse(line.contains(identifier), "\(identifier) in \(line.prefix(300))") }
        }
    }
}

private extension HTTPAnswer {
    /// The body as text, for failure messages and searches.
    var text: String { String(decoding: body, as: UTF8.self) }
}
