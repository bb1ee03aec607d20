import Foundation
import PneumoData
import XCTest
@testable import PneumoServe

/// A model that answers NaN is a server fault: never a 200, and the server says it is not
/// ready (`/readyz`) while staying alive (`/healthz`).
final class ServerReadinessTests: XCTestCase {
    func testReadyOnceTheProbeGaveFiniteOutputs() async throws {
        let classifier = FakeClassifier()
        try await withServer(classifier) { port in
            let ready = try await settledReadiness(port: port)
            XCTAssertEqual(ready.status, 200, String(decoding: ready.body, as: UTF8.self))
            XCTAssertEqual(ready.json?["ready"] as? Bool, true)
            XCTAssertEqual(ready.json?["status"] as? String, "ready")
            XCTAssertEqual(ready.json?["model"] as? [String: String], ["id": "fake-cnn", "version": "7"])
            let health = try await LoopbackHTTPClient.send(port: port, path: "/healthz")
            XCTAssertEqual(health.json?["ready"] as? Bool, true)
        }
        XCTAssertEqual(classifier.probeCount, 1, "one probe at load")
    }

    func testModelGivingNaNIsNotReadyAndPredictionsAreRefused() async throws {
        let capture = LogCapture()
        try await withServer(FakeClassifier(nonFinite: .always), log: capture.log) { port in
            let ready = try await settledReadiness(port: port)
            XCTAssertEqual(ready.status, 503)
            XCTAssertEqual(ready.json?["ready"] as? Bool, false)
            XCTAssertEqual(ready.json?["status"] as? String, "failed")
            let reason = ready.json?["reason"] as? String ?? ""
            XCTAssertTrue(reason.contains("not finite"), reason)
            XCTAssertEqual(ready.errorCode, "model_output_not_finite")

            let health = try await LoopbackHTTPClient.send(port: port, path: "/healthz")
            XCTAssertEqual(health.status, 200, "alive, just not ready")
            XCTAssertEqual(health.json?["ready"] as? Bool, false)

            let answer = try await predict(port: port, TestImages.baseline)
            XCTAssertEqual(answer.status, 503, String(decoding: answer.body, as: UTF8.self))
            XCTAssertEqual(answer.errorCode, "model_not_ready")
            let message = answer.errorMessage ?? ""
            XCTAssertTrue(message.contains("cannot produce finite outputs"), message)
            XCTAssertTrue(message.contains("checkpoint"), message)
        }
        XCTAssertTrue(capture.lines.contains { $0.contains("error:") && $0.contains("probe") && $0.contains("not finite") },
                      "\(capture.lines)")
        XCTAssertFalse(capture.lines.contains { $0.contains(" POST /api/v1/predict 200 ") }, "\(capture.lines)")
    }

    func testNaNForOneRequestIsA500NeverA200() async throws {
        let capture = LogCapture()
        try await withServer(FakeClassifier(nonFinite: .exceptProbe), log: capture.log) { port in
            let ready = try await settledReadiness(port: port)
            XCTAssertEqual(ready.status, 200, "the probe itself was fine")
            let answer = try await predict(port: port, TestImages.baseline)
            XCTAssertEqual(answer.status, 500, String(decoding: answer.body, as: UTF8.self))
            XCTAssertEqual(answer.errorCode, "model_output_not_finite")
            XCTAssertNil(answer.json?["probabilities"])
        }
        XCTAssertTrue(capture.lines.contains { $0.contains(" POST /api/v1/predict 500 ") }, "\(capture.lines)")
        XCTAssertTrue(capture.lines.contains { $0.contains("error:") && $0.contains("not finite") }, "\(capture.lines)")
    }

    func testPredictionsWaitForTheProbe() async throws {
        let probeGate = Gate()
        let classifier = FakeClassifier(probeGate: probeGate)
        try await withServer(classifier) { port in
            let starting = try await LoopbackHTTPClient.send(port: port, path: "/readyz")
            XCTAssertEqual(starting.status, 503)
            XCTAssertEqual(starting.json?["status"] as? String, "starting")
            XCTAssertEqual(starting.headers["retry-after"], "1")
            async let waiting = predict(port: port, TestImages.baseline)
            try await Task.sleep(for: .milliseconds(200))
            XCTAssertEqual(classifier.batchSizes, [], "no model call while the probe runs")
            await probeGate.open()
            let answer = try await waiting
            XCTAssertEqual(answer.status, 200)
            let ready = try await settledReadiness(port: port)
            XCTAssertEqual(ready.status, 200)
        }
    }

    func testClassifierThatThrowsDuringTheProbeIsNotReady() async throws {
        try await withServer(FakeClassifier(probeFailure: FakeDeviceLost())) { port in
            let ready = try await settledReadiness(port: port)
            XCTAssertEqual(ready.status, 503)
            XCTAssertEqual(ready.errorCode, "model_probe_failed")
            XCTAssertTrue((ready.json?["reason"] as? String ?? "").contains("device lost"))
        }
    }

    /// The root of the old "200 with an error inside": JSON cannot hold NaN, and the fallback
    /// body kept the status asked for.
    func testAnswerThatCannotBeEncodedIsA500() {
        let response = JSONResponse.make(status: .ok, ["probability": Double.nan])
        XCTAssertEqual(response.status.code, 500)
    }

    func testProbeImageIsADeterministicChestLikeGrayJPEG() throws {
        let jpeg = ReadinessProbe.jpeg
        XCTAssertEqual(jpeg, ReadinessProbe.makeJPEG(), "the same bytes every time")
        let header = try UploadCheck.header(of: jpeg, maxPixels: 1 << 30)
        XCTAssertEqual(header.colorspace, .gray)
        XCTAssertEqual([header.width, header.height], [ReadinessProbe.side, ReadinessProbe.side])
        let image = try JPEGDecoder().decode(jpeg)
        let pixels = image.pixels.map(Int.init)
        let mean = pixels.reduce(0, +) / pixels.count
        XCTAssertTrue((40...200).contains(mean), "mid-gray overall, got mean \(mean)")
        // Lungs darker than the spine between them, at mid height.
        let side = ReadinessProbe.side
        let row = side / 2 * side
        XCTAssertLessThan(pixels[row + side * 3 / 10], pixels[row + side / 2] - 40)
        XCTAssertLessThan(pixels[row + side * 7 / 10], pixels[row + side / 2] - 40)
    }
}
