import Foundation
import XCTest
@testable import PneumoServe

/// A loopback server answers only to the names it is reached by (no DNS rebinding), and
/// refuses POSTs from pages of other origins (no cross-site form posts).
final class ServerHostOriginTests: XCTestCase {
    private func get(_ port: Int, host: String, path: String = "/healthz") async throws -> HTTPAnswer {
        try await LoopbackHTTPClient.send(port: port, path: path, headers: [("Host", host)])
    }

    private func post(_ port: Int, origin: String?, host: String? = nil) async throws -> HTTPAnswer {
        var headers = [("Content-Type", "image/jpeg")]
        if let host { headers.append(("Host", host)) }
        if let origin { headers.append(("Origin", origin)) }
        return try await LoopbackHTTPClient.send(
            port: port, method: "POST", path: "/api/v1/predict", headers: headers, body: TestImages.baseline)
    }

    func testLoopbackNamesAreAcceptedWithOrWithoutThePort() async throws {
        try await withServer { port in
            for host in ["127.0.0.1:\(port)", "127.0.0.1", "localhost", "localhost:\(port)", "LocalHost:\(port)", "[::1]:\(port)", "[::1]"] {
                let answer = try await get(port, host: host)
                XCTAssertEqual(answer.status, 200, host)
            }
        }
    }

    func testOtherHostNamesAreRefusedNamingTheHostAndTheOption() async throws {
        let capture = LogCapture()
        try await withServer(log: capture.log) { port in
            for host in ["evil.example", "evil.example:\(port)", "127.0.0.1.evil.example", "localhost.evil.example:\(port)", "10.0.0.7"] {
                for path in ["/", "/healthz", "/api/v1/model"] {
                    let answer = try await get(port, host: host, path: path)
                    XCTAssertEqual(answer.status, 421, "\(host) \(path)")
                    XCTAssertEqual(answer.errorCode, "host_not_allowed", host)
                    let message = answer.errorMessage ?? ""
                    XCTAssertTrue(message.contains(host.split(separator: ":")[0]), "\(host): \(message)")
                    XCTAssertTrue(message.contains("--allowed-host"), message)
                }
            }
            let predicted = try await post(port, origin: nil, host: "evil.example")
            XCTAssertEqual(predicted.status, 421, "refused before the model sees it")
        }
        XCTAssertTrue(capture.lines.contains { $0.contains(" GET /healthz 421 ") }, "\(capture.lines)")
    }

    func testOperatorCanAllowMoreNames() async throws {
        var configuration = testConfiguration()
        configuration.allowedHosts = ["xray.clinic.internal", "Workstation-7"]
        try await withServer(configuration: configuration) { port in
            let named = try await get(port, host: "xray.clinic.internal:\(port)")
            XCTAssertEqual(named.status, 200)
            let mixedCase = try await get(port, host: "workstation-7")
            XCTAssertEqual(mixedCase.status, 200)
            let other = try await get(port, host: "other.clinic.internal")
            XCTAssertEqual(other.status, 421)
            let posted = try await post(port, origin: "http://xray.clinic.internal:\(port)", host: "xray.clinic.internal:\(port)")
            XCTAssertEqual(posted.status, 200)
        }
    }

    func testAnyHostIsAcceptedWhenNotBoundToLoopback() {
        var configuration = testConfiguration()
        configuration.host = "0.0.0.0"
        let policy = HostPolicy(configuration: configuration)
        XCTAssertNil(policy.refusal(method: .get, authority: "192.168.1.20:8080", origin: nil))
        XCTAssertNil(policy.refusal(method: .get, authority: "xray.example", origin: nil))
        // Cross-origin POSTs are refused whatever the binding.
        XCTAssertEqual(policy.refusal(method: .post, authority: "192.168.1.20:8080", origin: "http://evil.example")?.status, 403)
        XCTAssertNil(policy.refusal(method: .post, authority: "192.168.1.20:8080", origin: "http://192.168.1.20:8080"))
    }

    func testCrossOriginPostsAreRefused() async throws {
        try await withServer { port in
            for origin in ["http://evil.example", "http://127.0.0.1:\(port + 1)", "https://127.0.0.1:\(port)", "null",
                           "http://localhost:\(port)"] {
                let answer = try await post(port, origin: origin)
                XCTAssertEqual(answer.status, 403, origin)
                XCTAssertEqual(answer.errorCode, "cross_origin_request", origin)
                XCTAssertTrue(answer.errorMessage?.contains(origin) ?? false, answer.errorMessage ?? "")
            }
            // The server's own page posts with its own origin; scripts and curl send none.
            let own = try await post(port, origin: "http://127.0.0.1:\(port)")
            XCTAssertEqual(own.status, 200)
            let ownByName = try await post(port, origin: "http://localhost:\(port)", host: "localhost:\(port)")
            XCTAssertEqual(ownByName.status, 200)
            let none = try await post(port, origin: nil)
            XCTAssertEqual(none.status, 200)
            // GETs carry no side effect and are not checked against Origin.
            let get = try await LoopbackHTTPClient.send(port: port, path: "/healthz", headers: [("Origin", "http://evil.example")])
            XCTAssertEqual(get.status, 200)
        }
    }
}
