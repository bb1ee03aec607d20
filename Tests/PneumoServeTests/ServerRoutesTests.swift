import Foundation
import PneumoData
import XCTest
@testable import PneumoServe

/// The good paths, over real HTTP on a loopback port.
final class ServerRoutesTests: XCTestCase {
    func testPageIsSelfContained() async throws {
        try await withServer { port in
            let answer = try await LoopbackHTTPClient.send(port: port, path: "/")
            XCTAssertEqual(answer.status, 200)
            XCTAssertEqual(answer.headers["content-type"], "text/html; charset=utf-8")
            let policy = try XCTUnwrap(answer.headers["content-security-policy"])
            XCTAssertTrue(policy.contains("default-src 'none'"), policy)
            XCTAssertTrue(policy.contains("connect-src 'self'"), policy)
            let html = String(decoding: answer.body, as: UTF8.self)
            for piece in ["<script>", "<style>", "/api/v1/predict?heatmap=1", "type=\"file\"", "drop", "threshold"] {
                XCTAssertTrue(html.contains(piece), "page lacks \(piece)")
            }
            XCTAssertFalse(html.contains("http://") || html.contains("https://") || html.contains("src=\"//"),
                           "the page must not load anything from elsewhere")
        }
    }

    func testModelMetadata() async throws {
        try await withServer(configuration: testConfiguration(maxBodyBytes: 1_000_000, maxPixels: 5_000)) { port in
            let answer = try await LoopbackHTTPClient.send(port: port, path: "/api/v1/model")
            XCTAssertEqual(answer.status, 200)
            XCTAssertEqual(answer.headers["content-type"], "application/json; charset=utf-8")
            let json = try XCTUnwrap(answer.json)
            XCTAssertEqual(json["id"] as? String, "fake-cnn")
            XCTAssertEqual(json["version"] as? String, "7")
            XCTAssertEqual(json["classes"] as? [String], ["NORMAL", "PNEUMONIA"])
            XCTAssertEqual(json["positive_class"] as? String, "PNEUMONIA")
            XCTAssertEqual(json["threshold"] as? Double, 0.4)
            XCTAssertEqual((json["training_metrics"] as? [String: Any])?["val_auc"] as? Double, 0.97)
            XCTAssertEqual((json["architecture"] as? [String: Any])?["layers"] as? [String], ["conv 3x3 x16", "dense 1"])
            let limits = try XCTUnwrap(json["limits"] as? [String: Any])
            XCTAssertEqual(limits["max_body_bytes"] as? Int, 1_000_000)
            XCTAssertEqual(limits["max_pixels"] as? Int, 5_000)
        }
    }

    func testHealth() async throws {
        try await withServer(configuration: testConfiguration(maxInFlight: 5)) { port in
            let answer = try await LoopbackHTTPClient.send(port: port, path: "/healthz")
            let json = try XCTUnwrap(answer.json)
            XCTAssertEqual(json["status"] as? String, "ok")
            XCTAssertEqual(json["in_flight"] as? Int, 0)
            XCTAssertEqual(json["max_in_flight"] as? Int, 5)
        }
    }

    func testPredictsDataSetXRays() async throws {
        let xrays = try TestImages.xrays(6)
        try await withServer { port in
            for (name, bytes) in xrays {
                let answer = try await predict(port: port, bytes)
                try assertPrediction(answer, for: bytes, heatmap: false, name)
            }
        }
    }

    func testHeatmapIsTheModelsPNGInBase64() async throws {
        try await withServer { port in
            let answer = try await predict(port: port, TestImages.baseline, query: "?heatmap=1")
            try assertPrediction(answer, for: TestImages.baseline, heatmap: true)
            let heatmap = try XCTUnwrap(answer.json?["heatmap"] as? [String: Any])
            XCTAssertEqual(heatmap["media_type"] as? String, "image/png")
            let png = try XCTUnwrap(Data(base64Encoded: try XCTUnwrap(heatmap["base64"] as? String)))
            XCTAssertEqual(Array(png), FakeClassifier.heatmap)
            XCTAssertFalse(FakeClassifier.heatmap.isEmpty)

            let without = try await predict(port: port, TestImages.baseline, query: "?heatmap=0")
            XCTAssertNil(without.json?["heatmap"])
        }
    }

    func testAcceptsOctetStreamProgressiveAndMultipart() async throws {
        try await withServer { port in
            let octet = try await predict(port: port, TestImages.baseline, contentType: "application/octet-stream")
            try assertPrediction(octet, for: TestImages.baseline, heatmap: false)

            let progressive = try await predict(port: port, TestImages.progressive, contentType: "image/jpeg; charset=binary")
            try assertPrediction(progressive, for: TestImages.progressive, heatmap: false)

            let body = multipartBody(boundary: "----form7", parts: [
                ("patient_note", nil, nil, Array("ignored".utf8)),
                ("file", "chest.jpg", "image/jpeg", TestImages.progressive),
            ])
            let form = try await predict(
                port: port, body, contentType: "multipart/form-data; boundary=----form7", query: "?heatmap=1")
            try assertPrediction(form, for: TestImages.progressive, heatmap: true)
        }
    }

    /// CMYK and YCCK JPEGs are what the command line's decoder takes, so the server takes them.
    func testAcceptsCMYKAndYCCKJPEGs() async throws {
        try await withServer { port in
            for kind in [TestJPEG.Kind.cmyk, .ycck] {
                let bytes = try TestJPEG.make(kind)
                let answer = try await predict(port: port, bytes)
                try assertPrediction(answer, for: bytes, heatmap: false, "\(kind)")
            }
        }
    }

    func testRequestLogHoldsMethodPathStatusSizeAndLatencyOnly() async throws {
        let capture = LogCapture()
        try await withServer(log: capture.log) { port in
            _ = try await predict(port: port, TestImages.baseline, query: "?heatmap=1")
            _ = try await LoopbackHTTPClient.send(port: port, path: "/healthz")
            _ = try await LoopbackHTTPClient.send(port: port, path: "/nowhere?name=Jane")
        }
        let lines = capture.lines
        XCTAssertEqual(lines.count, 3, "\(lines)")
        let pattern = #"^info: (GET|POST) \S+ \d{3} body=\d+B( declared=\d+B)? \d+\.\dms hb\.request\.id=\S+$"#
        for line in lines {
            XCTAssertNotNil(line.range(of: pattern, options: .regularExpression), line)
        }
        XCTAssertTrue(lines[0].contains(" POST /api/v1/predict 200 body=\(TestImages.baseline.count)B "), lines[0])
        XCTAssertTrue(lines[1].contains(" GET /healthz 200 body=0B "), lines[1])
        XCTAssertTrue(lines[2].contains(" GET /nowhere 404 "), lines[2])
        XCTAssertFalse(lines.joined().contains("Jane"), "query strings may carry patient details")
    }

    private func assertPrediction(
        _ answer: HTTPAnswer, for bytes: [UInt8], heatmap: Bool, _ name: String = "", file: StaticString = #filePath,
        line: UInt = #line
    ) throws {
        XCTAssertEqual(answer.status, 200, "\(name): \(String(decoding: answer.body, as: UTF8.self))", file: file, line: line)
        XCTAssertEqual(answer.headers["cache-control"], "no-store", file: file, line: line)
        let json = try XCTUnwrap(answer.json, file: file, line: line)
        let header = try UploadCheck.header(of: bytes, maxPixels: .max)
        let expected = try FakeClassifier.outcome(for: ImageInput(jpeg: bytes, wantsHeatmap: heatmap, header: header)).get()
        XCTAssertEqual(json["class"] as? String, expected.predictedClass, name, file: file, line: line)
        // Compared within 1e-12: the test's JSON parser does not always read the last digit exactly.
        let probabilities = try XCTUnwrap(json["probabilities"] as? [String: Double], file: file, line: line)
        XCTAssertEqual(Set(probabilities.keys), Set(expected.probabilities.keys), name, file: file, line: line)
        for (label, value) in expected.probabilities {
            XCTAssertEqual(probabilities[label] ?? -1, value, accuracy: 1e-12, "\(name) \(label)", file: file, line: line)
        }
        XCTAssertEqual(
            json["probability"] as? Double ?? -1, expected.probabilities[expected.predictedClass] ?? -2, accuracy: 1e-12, name,
            file: file, line: line)
        XCTAssertEqual(json["threshold"] as? Double, 0.4, file: file, line: line)
        XCTAssertEqual(json["positive_class"] as? String, "PNEUMONIA", file: file, line: line)
        XCTAssertEqual(json["model"] as? [String: String], ["id": "fake-cnn", "version": "7"], file: file, line: line)
        XCTAssertEqual(json["image"] as? [String: Int], ["width": header.width, "height": header.height], file: file, line: line)
        XCTAssertEqual(json["heatmap"] != nil, heatmap, file: file, line: line)
        let timing = try XCTUnwrap(json["timing_ms"] as? [String: Double], file: file, line: line)
        XCTAssertGreaterThanOrEqual(timing["total"] ?? -1, timing["inference"] ?? .infinity, file: file, line: line)
        XCTAssertGreaterThanOrEqual(json["batch_size"] as? Int ?? 0, 1, file: file, line: line)
    }
}
