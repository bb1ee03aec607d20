import Foundation
import XCTest
@testable import PneumoServe

/// `GET /metrics`: Prometheus text with request counts, latency, batch sizes, predictions in
/// flight and the model's load time, each server counting only its own requests.
final class ServerMetricsTests: XCTestCase {
    func testMetricsCountRequestsByRouteAndStatusWithLatencyBatchSizesInFlightAndLoadTime() async throws {
        // Three predictions sent together join one batch of three.
        let configuration = testConfiguration(maxBatchSize: 3, maxBatchWait: .seconds(2))
        try await withServer(configuration: configuration, modelLoadTime: .milliseconds(1250)) { port in
            let fresh = try await Exposition.scrape(port: port)
            XCTAssertNil(fresh.value("hb_requests", ["http_route": "/api/v1/predict"]), "a new server starts from zero")

            let answers = try await withThrowingTaskGroup(of: Int.self) { group in
                for image in TestImages.distinctJPEGs(3) {
                    group.addTask { try await predict(port: port, image).status }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            XCTAssertEqual(answers, [200, 200, 200])
            let notAnImage = try await predict(port: port, Array("not an image".utf8))
            XCTAssertEqual(notAnImage.status, 400)
            let health = try await LoopbackHTTPClient.send(port: port, path: "/healthz")
            XCTAssertEqual(health.status, 200)
            let nowhere = try await LoopbackHTTPClient.send(port: port, path: "/nowhere")
            XCTAssertEqual(nowhere.status, 404)

            // Counts are recorded once each answer is written, a moment after the client has it.
            let metrics = try await Exposition.scrape(port: port) {
                $0.value("hb_requests", ["http_route": "/api/v1/predict", "http_response_status_code": "400"]) != nil
            }
            XCTAssertEqual(metrics.contentType, "text/plain; version=0.0.4; charset=utf-8")
            let predict200 = ["http_route": "/api/v1/predict", "http_request_method": "POST", "http_response_status_code": "200"]
            XCTAssertEqual(metrics.value("hb_requests", predict200), 3, metrics.text)
            XCTAssertEqual(metrics.value("hb_requests", ["http_route": "/api/v1/predict", "http_response_status_code": "400"]), 1)
            XCTAssertEqual(metrics.value("hb_requests", ["http_route": "/healthz", "http_response_status_code": "200"]), 1)
            XCTAssertEqual(metrics.value("hb_requests", ["http_response_status_code": "404"]), 1, metrics.text)

            XCTAssertEqual(metrics.type(of: "http_server_request_duration"), "histogram")
            XCTAssertEqual(metrics.value("http_server_request_duration_count", predict200), 3)
            XCTAssertEqual(metrics.value("http_server_request_duration_bucket", predict200.merging(["le": "+Inf"]) { $1 }), 3)
            XCTAssertGreaterThan(metrics.value("http_server_request_duration_sum", predict200) ?? 0, 0)

            XCTAssertEqual(metrics.type(of: "pneumo_batch_size"), "histogram")
            XCTAssertEqual(metrics.value("pneumo_batch_size_count", [:]), 1, "one batch")
            XCTAssertEqual(metrics.value("pneumo_batch_size_sum", [:]), 3, "of three images")
            XCTAssertEqual(metrics.value("pneumo_batch_size_bucket", ["le": "2.0"]), 0, metrics.text)
            XCTAssertEqual(metrics.value("pneumo_batch_size_bucket", ["le": "4.0"]), 1)

            XCTAssertEqual(metrics.type(of: "pneumo_predictions_in_flight"), "gauge")
            XCTAssertEqual(metrics.value("pneumo_predictions_in_flight", [:]), 0, "every prediction has been answered")
            XCTAssertEqual(metrics.type(of: "pneumo_model_load_seconds"), "gauge")
            XCTAssertEqual(metrics.value("pneumo_model_load_seconds", [:]), 1.25)
        }
    }

    func testInFlightGaugeCountsPredictionsBeingServed() async throws {
        let gate = Gate()
        try await withServer(FakeClassifier(gate: gate)) { port in
            async let answer = predict(port: port, TestImages.baseline)
            let during = try await Exposition.scrape(port: port) { $0.value("pneumo_predictions_in_flight", [:]) == 1 }
            XCTAssertEqual(during.value("pneumo_predictions_in_flight", [:]), 1, during.text)
            await gate.open()
            let status = try await answer.status
            XCTAssertEqual(status, 200)
        }
    }

    func testMetricsAreServedWhileTheModelIsNotReady() async throws {
        try await withServer(FakeClassifier(nonFinite: .always)) { port in
            let readiness = try await settledReadiness(port: port)
            XCTAssertEqual(readiness.status, 503)
            let answer = try await LoopbackHTTPClient.send(port: port, path: "/metrics")
            XCTAssertEqual(answer.status, 200)
            XCTAssertTrue(String(decoding: answer.body, as: UTF8.self).contains("# TYPE pneumo_predictions_in_flight gauge"))
        }
    }
}

/// A parsed `/metrics` answer.
struct Exposition {
    let text: String
    let contentType: String?

    /// Scrapes until `until` holds (up to 5 s), then returns the last scrape.
    static func scrape(port: Int, until: (Exposition) -> Bool = { _ in true }) async throws -> Exposition {
        let deadline = ContinuousClock.now + .seconds(5)
        while true {
            let answer = try await LoopbackHTTPClient.send(port: port, path: "/metrics")
            XCTAssertEqual(answer.status, 200)
            let exposition = Exposition(text: String(decoding: answer.body, as: UTF8.self), contentType: answer.headers["content-type"])
            if until(exposition) || ContinuousClock.now > deadline { return exposition }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// The `# TYPE` of a metric family.
    func type(of name: String) -> String? {
        text.split(separator: "\n").lazy.compactMap { line -> String? in
            let words = line.split(separator: " ")
            return words.count == 4 && words[1] == "TYPE" && words[2] == name ? String(words[3]) : nil
        }.first
    }

    /// The sum of the samples named `name` whose labels include `labels`; nil when none does.
    func value(_ name: String, _ labels: [String: String]) -> Double? {
        var total: Double?
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
            let series = line[..<space]
            let sampleName = series.prefix { $0 != "{" }
            guard sampleName == name else { continue }
            let labelText = series.dropFirst(sampleName.count)
            guard labels.allSatisfy({ labelText.contains("\($0.key)=\"\($0.value)\"") }) else { continue }
            total = (total ?? 0) + value
        }
        return total
    }
}
