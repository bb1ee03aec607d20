import XCTest
@testable import PneumoServe

/// Builds multipart bodies the way browsers and curl do.
func multipartBody(boundary: String, parts: [(name: String, filename: String?, type: String?, content: [UInt8])]) -> [UInt8] {
    var body: [UInt8] = []
    for part in parts {
        var head = "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(part.name)\""
        if let filename = part.filename { head += "; filename=\"\(filename)\"" }
        head += "\r\n"
        if let type = part.type { head += "Content-Type: \(type)\r\n" }
        head += "\r\n"
        body += Array(head.utf8) + part.content + Array("\r\n".utf8)
    }
    return body + Array("--\(boundary)--\r\n".utf8)
}

final class MultipartFormTests: XCTestCase {
    func testSplitsFieldsAndFiles() throws {
        let jpeg = TestImages.baseline
        let body = multipartBody(boundary: "XyZ123", parts: [
            ("note", nil, nil, Array("left lung".utf8)),
            ("file", "chest.jpeg", "image/jpeg", jpeg),
        ])
        let form = try MultipartForm(body: body, boundary: "XyZ123")
        XCTAssertEqual(form.parts.count, 2)
        XCTAssertEqual(form.parts[0].name, "note")
        XCTAssertNil(form.parts[0].filename)
        XCTAssertEqual(Array(form.parts[0].content), Array("left lung".utf8))
        XCTAssertEqual(form.parts[1].filename, "chest.jpeg")
        XCTAssertEqual(form.parts[1].contentType, "image/jpeg")
        XCTAssertEqual(Array(form.parts[1].content), jpeg)
    }

    func testCutOffBodyIsMalformed() {
        let body = multipartBody(boundary: "b", parts: [("file", "a.jpg", "image/jpeg", TestImages.baseline)])
        XCTAssertThrowsError(try MultipartForm(body: Array(body[0..<200]), boundary: "b")) { error in
            guard case MultipartForm.Failure.malformed(let reason) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(reason.contains("cut off"), reason)
        }
        XCTAssertThrowsError(try MultipartForm(body: body, boundary: "other"))
    }

    func testMediaTypeParameters() {
        let type = MediaType(#"Multipart/Form-Data; charset=utf-8; boundary="----abc def""#)
        XCTAssertEqual(type?.essence, "multipart/form-data")
        XCTAssertEqual(type?.parameters["boundary"], "----abc def")
        XCTAssertEqual(type?.parameters["charset"], "utf-8")
        XCTAssertNil(MediaType("jpeg"))
        XCTAssertEqual(MediaType("image/jpeg")?.parameters, [:])
    }
}
