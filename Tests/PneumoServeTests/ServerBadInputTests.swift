import Foundation
import XCTest
@testable import PneumoServe

/// Every kind of bad request gets a 4xx JSON answer saying what was wrong, and the server
/// keeps serving afterwards.
final class ServerBadInputTests: XCTestCase {
    private struct Case {
        let name: String
        let method: String
        let path: String
        let contentType: String?
        let body: [UInt8]
        let status: Int
        let code: String
        let messageMentions: String
    }

    private func cases() -> [Case] {
        let xray = TestImages.distinctJPEGs(1)[0]
        let form = "multipart/form-data; boundary=zz"
        let twoFiles = multipartBody(boundary: "zz", parts: [
            ("file", "a.jpg", "image/jpeg", TestImages.baseline), ("file", "b.jpg", "image/jpeg", TestImages.baseline),
        ])
        let noFile = multipartBody(boundary: "zz", parts: [("note", nil, nil, Array("hello".utf8))])
        let fullForm = multipartBody(boundary: "zz", parts: [("file", "a.jpg", "image/jpeg", xray)])
        let cutForm = Array(fullForm.prefix(fullForm.count / 2))
        func post(_ name: String, _ type: String?, _ body: [UInt8], _ status: Int, _ code: String, _ mention: String) -> Case {
            Case(name: name, method: "POST", path: "/api/v1/predict", contentType: type, body: body, status: status, code: code,
                 messageMentions: mention)
        }
        return [
            post("empty body", "image/jpeg", [], 400, "empty_body", "empty"),
            post("text, not a JPEG", "image/jpeg", Array("Patient: none. This is text.".utf8), 400, "not_a_jpeg", "FF D8"),
            post("truncated X-ray", "image/jpeg", Array(xray.prefix(xray.count / 2)), 400, "truncated_jpeg", "incomplete"),
            post("PNG sent as JPEG", "image/jpeg", TestImages.png, 415, "unsupported_image_format", "PNG"),
            post("PNG declared as PNG", "image/png", TestImages.png, 415, "unsupported_image_format", "image/png"),
            post("header claiming 60000x60000", "image/jpeg", TestImages.baseline(claiming: 60_000, 60_000), 413,
                 "too_many_pixels", "60000x60000"),
            post("text/plain content type", "text/plain", TestImages.baseline, 415, "unsupported_media_type", "text/plain"),
            post("JSON content type", "application/json", Array(#"{"image":"..."}"#.utf8), 415, "unsupported_media_type",
                 "application/json"),
            post("no content type", nil, TestImages.baseline, 415, "unsupported_media_type", "no Content-Type"),
            post("garbled content type", "jpeg", TestImages.baseline, 415, "unsupported_media_type", "not valid"),
            post("multipart without boundary", "multipart/form-data", twoFiles, 400, "bad_multipart", "boundary"),
            post("multipart without a file", form, noFile, 400, "missing_file", "file"),
            post("multipart with two files", form, twoFiles, 400, "too_many_files", "one image per request"),
            post("multipart cut off", form, cutForm, 400, "bad_multipart", "cut off"),
            post("data only the decoder rejects", "image/jpeg", TestImages.decoderRejected, 400, "not_a_jpeg", "Huffman"),
            Case(name: "unknown query value", method: "POST", path: "/api/v1/predict?heatmap=maybe", contentType: "image/jpeg",
                 body: TestImages.baseline, status: 400, code: "bad_query", messageMentions: "heatmap=1"),
            Case(name: "unknown path", method: "GET", path: "/api/v2/predict", contentType: nil, body: [], status: 404,
                 code: "not_found", messageMentions: "/api/v2/predict"),
            Case(name: "GET on predict", method: "GET", path: "/api/v1/predict", contentType: nil, body: [], status: 405,
                 code: "method_not_allowed", messageMentions: "POST"),
            Case(name: "POST on the page", method: "POST", path: "/", contentType: "image/jpeg", body: TestImages.baseline,
                 status: 405, code: "method_not_allowed", messageMentions: "GET"),
            Case(name: "DELETE on model", method: "DELETE", path: "/api/v1/model", contentType: nil, body: [], status: 405,
                 code: "method_not_allowed", messageMentions: "DELETE"),
        ]
    }

    func testEveryBadInputGetsAJSONErrorAndTheServerKeepsServing() async throws {
        let cases = cases()
        try await withServer { port in
            for bad in cases {
                let answer = try await LoopbackHTTPClient.send(
                    port: port, method: bad.method, path: bad.path,
                    headers: bad.contentType.map { [("Content-Type", $0)] } ?? [], body: bad.body)
                XCTAssertEqual(answer.status, bad.status, "\(bad.name): \(String(decoding: answer.body, as: UTF8.self))")
                XCTAssertEqual(answer.headers["content-type"], "application/json; charset=utf-8", bad.name)
                XCTAssertEqual(answer.errorCode, bad.code, bad.name)
                let status = (answer.json?["error"] as? [String: Any])?["status"] as? Int
                XCTAssertEqual(status, bad.status, bad.name)
                let message = answer.errorMessage ?? ""
                XCTAssertTrue(message.contains(bad.messageMentions), "\(bad.name): '\(message)' lacks '\(bad.messageMentions)'")
                if bad.status == 405 {
                    XCTAssertNotNil(answer.headers["allow"], "\(bad.name): 405 without Allow")
                }
                // Still serving after each one.
                let good = try await predict(port: port, TestImages.baseline)
                XCTAssertEqual(good.status, 200, "after \(bad.name)")
            }
        }
    }

    func testAllowHeaderNamesTheMethod() async throws {
        try await withServer { port in
            let answer = try await LoopbackHTTPClient.send(port: port, method: "PUT", path: "/healthz")
            XCTAssertEqual(answer.status, 405)
            XCTAssertEqual(answer.headers["allow"], "GET, HEAD")
        }
    }

    func testModelFailureIsA500AndTheServerKeepsServing() async throws {
        let capture = LogCapture()
        try await withServer(FakeClassifier(failure: FakeDeviceLost()), log: capture.log) { port in
            for _ in 0..<2 {
                let answer = try await predict(port: port, TestImages.baseline)
                XCTAssertEqual(answer.status, 500)
                XCTAssertEqual(answer.errorCode, "inference_failed")
                XCTAssertFalse(answer.errorMessage?.contains("device lost") ?? true, "internal details stay in the log")
            }
            let health = try await LoopbackHTTPClient.send(port: port, path: "/healthz")
            XCTAssertEqual(health.status, 200)
        }
        XCTAssertTrue(capture.lines.contains { $0.contains("device lost") }, "\(capture.lines)")
    }
}
