import Foundation
import XCTest
@testable import PneumoServe

/// Body size, pixel count and in-flight limits, each configured small on purpose.
final class ServerLimitsTests: XCTestCase {
    func testBodyLimitWithDeclaredLength() async throws {
        let image = TestImages.baseline
        let capture = LogCapture()
        try await withServer(configuration: testConfiguration(maxBodyBytes: image.count), log: capture.log) { port in
            let atLimit = try await predict(port: port, image)
            XCTAssertEqual(atLimit.status, 200, "a body of exactly the limit is accepted")

            let big = image + [UInt8](repeating: 0, count: 300_000)
            let answer = try await predict(port: port, big)
            XCTAssertEqual(answer.status, 413)
            XCTAssertEqual(answer.errorCode, "body_too_large")
            XCTAssertTrue(answer.errorMessage?.contains("\(image.count) bytes") ?? false, answer.errorMessage ?? "")
            let after = try await predict(port: port, image)
            XCTAssertEqual(after.status, 200, "still serving")
        }
        // Refused before reading: the log shows what was declared, not that it was read.
        XCTAssertTrue(capture.lines.contains { $0.contains(" 413 body=0B declared=\(image.count + 300_000)B ") }, "\(capture.lines)")
    }

    func testBodyLimitWhileStreamingChunks() async throws {
        let image = TestImages.baseline
        try await withServer(configuration: testConfiguration(maxBodyBytes: 100_000)) { port in
            let small = try await predict(port: port, image, chunked: true)
            XCTAssertEqual(small.status, 200, "chunked uploads within the limit are fine")

            let answer = try await predict(port: port, image + [UInt8](repeating: 7, count: 250_000), chunked: true)
            XCTAssertEqual(answer.status, 413)
            XCTAssertEqual(answer.errorCode, "body_too_large")
            let after = try await predict(port: port, image)
            XCTAssertEqual(after.status, 200, "still serving")
        }
    }

    func testDefaultBodyLimitIsTwentyMegabytes() {
        XCTAssertEqual(ServerConfiguration().maxBodyBytes, 20 * 1024 * 1024)
        XCTAssertEqual(ServerConfiguration().host, "127.0.0.1")
    }

    func testPixelLimit() async throws {
        // The test image is 24x16 = 384 pixels.
        try await withServer(configuration: testConfiguration(maxPixels: 384)) { port in
            let fits = try await predict(port: port, TestImages.baseline)
            XCTAssertEqual(fits.status, 200)
            let wide = try await predict(port: port, TestImages.baseline(claiming: 25, 16))
            XCTAssertEqual(wide.status, 413)
            XCTAssertEqual(wide.errorCode, "too_many_pixels")
            XCTAssertTrue(wide.errorMessage?.contains("25x16 = 400 pixels, above the limit of 384") ?? false, wide.errorMessage ?? "")
        }
    }

    func testInFlightLimitAnswers503ThenRecovers() async throws {
        let gate = Gate()
        let classifier = FakeClassifier(gate: gate)
        try await withServer(classifier, configuration: testConfiguration(maxInFlight: 2, maxBatchSize: 1)) { port in
            // Two requests held inside the server: one in the model, one queued behind it.
            async let first = predict(port: port, TestImages.variant(1))
            async let second = predict(port: port, TestImages.variant(2))
            try await waitUntil("two requests in flight") {
                let health = try await LoopbackHTTPClient.send(port: port, path: "/healthz")
                return health.json?["in_flight"] as? Int == 2
            }
            let refused = try await predict(port: port, TestImages.variant(3))
            XCTAssertEqual(refused.status, 503)
            XCTAssertEqual(refused.errorCode, "server_busy")
            XCTAssertEqual(refused.headers["retry-after"], "1")

            await gate.open()
            let answers = try await [first, second]
            XCTAssertEqual(answers.map(\.status), [200, 200])
            let later = try await predict(port: port, TestImages.variant(4))
            XCTAssertEqual(later.status, 200, "admits again once drained")
            let health = try await LoopbackHTTPClient.send(port: port, path: "/healthz")
            XCTAssertEqual(health.json?["in_flight"] as? Int, 0)
        }
    }

    /// Polls `condition` every 10 ms for up to 10 s.
    private func waitUntil(_ what: String, _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        XCTFail("timed out waiting for \(what)")
    }
}
