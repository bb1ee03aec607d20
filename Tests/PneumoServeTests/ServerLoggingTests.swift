import Foundation
import XCTest
@testable import PneumoServe

/// The request log goes through the swift-log `Logger` given to the server, and holds the
/// path but never the upload: no image bytes, no form fields, no file name, no query.
final class ServerLoggingTests: XCTestCase {
    func testRequestLogGoesThroughTheLoggerWithPathButNeverTheUpload() async throws {
        let capture = LogCapture()
        let secret = "Jane-Doe-1970-01-01"
        let boundary = "LogBoundary42"
        let form = multipartBody(boundary: boundary, parts: [
            (name: "patient", filename: nil, type: nil, content: Array(secret.utf8)),
            (name: "file", filename: "\(secret).jpeg", type: "image/jpeg", content: TestImages.baseline),
        ])
        try await withServer(log: capture.log) { port in
            let answer = try await predict(port: port, form, contentType: "multipart/form-data; boundary=\(boundary)")
            XCTAssertEqual(answer.status, 200, String(decoding: answer.body, as: UTF8.self))
            // Text sent as a "JPEG" is refused; its bytes must not reach the log either.
            let refused = try await predict(port: port, Array("name=\(secret)".utf8), query: "?note=\(secret)")
            XCTAssertEqual(refused.status, 400)
        }
        let lines = capture.lines
        XCTAssertEqual(lines.count, 2, "\(lines)")
        XCTAssertTrue(lines[0].hasPrefix("info: POST /api/v1/predict 200 body=\(form.count)B "), lines[0])
        XCTAssertTrue(lines[1].hasPrefix("info: POST /api/v1/predict 400 "), lines[1])
        XCTAssertTrue(lines.allSatisfy { $0.contains("hb.request.id=") }, "each line carries its request id: \(lines)")
        let everything = (lines + capture.frameworkLines).joined(separator: "\n")
        XCTAssertFalse(everything.contains(secret), everything)
        XCTAssertFalse(everything.contains(".jpeg"), everything)
        XCTAssertTrue(capture.frameworkLines.contains { $0.contains("Server started") }, "the framework logs through the same Logger")
    }
}
