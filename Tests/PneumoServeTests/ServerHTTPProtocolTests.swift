import Foundation
import XCTest
@testable import PneumoServe

/// HTTP framing mistakes are the client's (4xx, never 500), and HEAD works wherever GET does.
/// Requests go out byte for byte through a raw socket.
final class ServerHTTPProtocolTests: XCTestCase {
    private func head(_ port: Int, contentLength: Int? = nil, chunked: Bool = false) -> String {
        var head = "POST /api/v1/predict HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nContent-Type: image/jpeg\r\n"
        if let contentLength { head += "Content-Length: \(contentLength)\r\n" }
        if chunked { head += "Transfer-Encoding: chunked\r\n" }
        return head + "\r\n"
    }

    func testMalformedChunkSizeIsABadRequest() async throws {
        let capture = LogCapture()
        try await withServer(log: capture.log) { port in
            let image = TestImages.baseline
            let request = Array(head(port, chunked: true).utf8) + Array("zz\r\n".utf8) + image + Array("\r\n0\r\n\r\n".utf8)
            let (answer, closed) = try await LoopbackHTTPClient.sendRaw(port: port, request, checkClose: true, timeoutSeconds: 10)
            XCTAssertEqual(answer.status, 400, String(decoding: answer.body, as: UTF8.self))
            XCTAssertEqual(answer.errorCode, "malformed_body")
            XCTAssertTrue(answer.errorMessage?.contains("chunk") ?? false, answer.errorMessage ?? "")
            XCTAssertEqual(answer.headers["connection"], "close")
            XCTAssertTrue(closed, "one answer, then the connection closes (no second, bare 400)")
            let after = try await predict(port: port, image)
            XCTAssertEqual(after.status, 200, "still serving")
        }
        XCTAssertTrue(capture.lines.contains { $0.contains(" POST /api/v1/predict 400 ") }, "\(capture.lines)")
        XCTAssertFalse(capture.lines.contains { $0.contains(" 500 ") }, "\(capture.lines)")
    }

    func testBodyShorterThanItsLengthThenHalfCloseIsABadRequest() async throws {
        let capture = LogCapture()
        try await withServer(log: capture.log) { port in
            let image = TestImages.baseline
            let request = Array(head(port, contentLength: image.count).utf8) + image.prefix(image.count / 2)
            let (answer, closed) = try await LoopbackHTTPClient.sendRaw(
                port: port, request, halfClose: true, checkClose: true, timeoutSeconds: 10)
            XCTAssertEqual(answer.status, 400, String(decoding: answer.body, as: UTF8.self))
            XCTAssertEqual(answer.errorCode, "incomplete_body")
            XCTAssertTrue(closed, "one answer, then the connection closes")
            XCTAssertTrue(answer.errorMessage?.contains("\(image.count)") ?? false, answer.errorMessage ?? "")
        }
        XCTAssertTrue(capture.lines.contains { $0.contains(" POST /api/v1/predict 400 ") }, "\(capture.lines)")
        XCTAssertFalse(capture.lines.contains { $0.contains(" 500 ") }, "\(capture.lines)")
    }

    func testBodyThatStopsArrivingTimesOutWith408AndTheConnectionCloses() async throws {
        let capture = LogCapture()
        let configuration = testConfiguration(requestBodyTimeout: .seconds(1))
        try await withServer(configuration: configuration, log: capture.log) { port in
            let image = TestImages.baseline
            let request = Array(head(port, contentLength: image.count).utf8) + image.prefix(image.count / 2)
            let start = ContinuousClock.now
            let (answer, closed) = try await LoopbackHTTPClient.sendRaw(port: port, request, checkClose: true, timeoutSeconds: 10)
            let waited = ContinuousClock.now - start
            XCTAssertEqual(answer.status, 408, String(decoding: answer.body, as: UTF8.self))
            XCTAssertEqual(answer.errorCode, "request_timeout")
            XCTAssertEqual(answer.headers["connection"], "close")
            XCTAssertTrue(closed, "the connection is closed after a 408")
            XCTAssertGreaterThanOrEqual(waited, .milliseconds(900))
            XCTAssertLessThan(waited, .seconds(8))
            let after = try await predict(port: port, image)
            XCTAssertEqual(after.status, 200, "still serving")
        }
        XCTAssertTrue(capture.lines.contains { $0.contains(" POST /api/v1/predict 408 ") }, "\(capture.lines)")
    }

    func testASlowButSteadyUploadIsNotTimedOut() async throws {
        let configuration = testConfiguration(requestBodyTimeout: .seconds(1))
        try await withServer(configuration: configuration) { port in
            // Chunks 400 ms apart: 2 s in all, never 1 s without data.
            let answer = try await LoopbackHTTPClient.sendInPieces(
                port: port, head: Array(head(port, contentLength: TestImages.baseline.count).utf8),
                body: TestImages.baseline, pieces: 5, pause: .milliseconds(400))
            XCTAssertEqual(answer.status, 200, String(decoding: answer.body, as: UTF8.self))
        }
    }

    func testHeadAnswersLikeGetWithoutABody() async throws {
        try await withServer { port in
            _ = try await settledReadiness(port: port)
            for path in ["/", "/healthz", "/readyz", "/api/v1/model"] {
                let get = try await LoopbackHTTPClient.send(port: port, method: "GET", path: path)
                XCTAssertEqual(get.status, 200, path)
                let (answer, _) = try await LoopbackHTTPClient.sendRaw(
                    port: port, Array("HEAD \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n\r\n".utf8))
                XCTAssertEqual(answer.status, 200, path)
                XCTAssertEqual(answer.headers["content-type"], get.headers["content-type"], path)
                if path != "/healthz" && path != "/readyz" {  // those two carry a changing in-flight count or timing
                    XCTAssertEqual(answer.headers["content-length"], "\(get.body.count)", path)
                }
            }
            // The raw client reads nothing after the headers; a body would show up as garbage here.
            let twice = Array("HEAD /healthz HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n\r\nGET /healthz HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n\r\n".utf8)
            let answers = try await LoopbackHTTPClient.sendPipelined(port: port, twice, methods: ["HEAD", "GET"])
            XCTAssertEqual(answers.map(\.status), [200, 200])
            XCTAssertTrue(answers[0].body.isEmpty)
            XCTAssertEqual(answers[1].json?["status"] as? String, "ok")
        }
    }

    func testHeadOnPredictIs405NamingPost() async throws {
        try await withServer { port in
            let (answer, _) = try await LoopbackHTTPClient.sendRaw(
                port: port, Array("HEAD /api/v1/predict HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n\r\n".utf8))
            XCTAssertEqual(answer.status, 405)
            XCTAssertEqual(answer.headers["allow"], "POST")
            let get = try await LoopbackHTTPClient.send(port: port, method: "PUT", path: "/healthz")
            XCTAssertEqual(get.headers["allow"], "GET, HEAD")
        }
    }
}
