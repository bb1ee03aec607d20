import Foundation
import XCTest
@testable import PneumoServe

/// Collects log lines written by the server under test.
final class LogCapture: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [String] = []

    var lines: [String] {
        lock.lock()
        defer { lock.unlock() }
        return stored
    }

    var log: RequestLog {
        RequestLog { line in
            self.lock.lock()
            self.stored.append(line)
            self.lock.unlock()
        }
    }
}

/// A test configuration: loopback, a port picked by the system, small batching wait.
func testConfiguration(
    maxBodyBytes: Int = 2 * 1024 * 1024, maxPixels: Int = 40_000_000, maxInFlight: Int = 64,
    maxBatchSize: Int = 8, maxBatchWait: Duration = .milliseconds(5), requestBodyTimeout: Duration = .seconds(30)
) -> ServerConfiguration {
    ServerConfiguration(
        host: "127.0.0.1", port: 0, maxBodyBytes: maxBodyBytes, maxPixels: maxPixels, maxInFlight: maxInFlight,
        maxBatchSize: maxBatchSize, maxBatchWait: maxBatchWait, requestBodyTimeout: requestBodyTimeout)
}

/// Runs a server on a free loopback port for the duration of `body`, then stops it.
func withServer(
    _ classifier: any XRayClassifier = FakeClassifier(), configuration: ServerConfiguration = testConfiguration(),
    log: RequestLog = .discard, _ body: (_ port: Int) async throws -> Void
) async throws {
    // Stopping by cancellation makes the framework log an error per server; keep test output
    // readable unless LOG_LEVEL is set on purpose.
    setenv("LOG_LEVEL", "critical", 0)
    let (ports, portSink) = AsyncStream.makeStream(of: Int.self)
    let server = PneumoServer(classifier: classifier, configuration: configuration, log: log)
    let running = Task {
        try await server.run(stopOnSignals: false) { port in portSink.yield(port) }
    }
    defer { running.cancel() }
    let port = try await withThrowingTaskGroup(of: Int?.self) { group in
        group.addTask { await ports.first { _ in true } }
        group.addTask {
            try await Task.sleep(for: .seconds(20))
            return nil
        }
        let first = try await group.next() ?? nil
        group.cancelAll()
        return first
    }
    guard let port, port > 0 else {
        XCTFail("The server did not start listening within 20 s")
        return
    }
    try await body(port)
    running.cancel()
    _ = await running.result
}

/// Sends a JPEG to the prediction endpoint.
func predict(
    port: Int, _ bytes: [UInt8], contentType: String? = "image/jpeg", query: String = "", chunked: Bool = false
) async throws -> HTTPAnswer {
    try await LoopbackHTTPClient.send(
        port: port, method: "POST", path: "/api/v1/predict\(query)",
        headers: contentType.map { [("Content-Type", $0)] } ?? [], body: bytes, chunked: chunked)
}

/// `GET /readyz` once the start-up probe has finished (it runs while the server listens).
func settledReadiness(port: Int) async throws -> HTTPAnswer {
    let deadline = ContinuousClock.now + .seconds(20)
    while true {
        let answer = try await LoopbackHTTPClient.send(port: port, path: "/readyz")
        if answer.json?["status"] as? String != "starting" || ContinuousClock.now > deadline { return answer }
        try await Task.sleep(for: .milliseconds(20))
    }
}
