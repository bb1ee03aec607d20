import Foundation
import Logging
import XCTest
@testable import PneumoServe

/// Collects the log lines the server under test writes itself, as `level: message`; the
/// framework's own messages (started, shutting down) are kept apart in `frameworkLines`.
final class LogCapture: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [String] = []
    private var storedFramework: [String] = []

    var lines: [String] {
        lock.lock()
        defer { lock.unlock() }
        return stored
    }

    var frameworkLines: [String] {
        lock.lock()
        defer { lock.unlock() }
        return storedFramework
    }

    /// A logger whose messages land here.
    var log: Logger {
        Logger(label: "pneumo.test") { _ in CapturingLogHandler(capture: self) }
    }

    fileprivate func append(_ line: String, fromServer: Bool) {
        lock.lock()
        defer { lock.unlock() }
        if fromServer { stored.append(line) } else { storedFramework.append(line) }
    }
}

/// A swift-log handler that hands every message, with its metadata, to a `LogCapture`.
private struct CapturingLogHandler: LogHandler {
    let capture: LogCapture
    var logLevel: Logger.Level = .trace
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let all = metadata.merging(event.metadata ?? [:]) { $1 }
        let rendered = all.isEmpty ? "" : " " + all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        capture.append("\(event.level): \(event.message)\(rendered)", fromServer: event.source == "PneumoServe")
    }
}

extension Logger {
    /// Drops every message.
    static let discard = Logger(label: "pneumo.test.discard") { _ in SwiftLogNoOpLogHandler() }
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
    log: Logger = .discard, modelLoadTime: Duration? = nil, _ body: (_ port: Int) async throws -> Void
) async throws {
    let (ports, portSink) = AsyncStream.makeStream(of: Int.self)
    let server = PneumoServer(classifier: classifier, configuration: configuration, logger: log, modelLoadTime: modelLoadTime)
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
