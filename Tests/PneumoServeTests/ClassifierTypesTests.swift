import XCTest
import PneumoApp
@testable import PneumoServe

final class ClassifierTypesTests: XCTestCase {
    func testJSONValueFromAnEncodableKeepsTypes() throws {
        struct Metrics: Encodable {
            let accuracy: Double
            let epochs: Int
            let converged: Bool
            let note: String?
            let perClass: [String: [Double]]
        }
        let value = try JSONValue(encoding: Metrics(
            accuracy: 0.91, epochs: 12, converged: true, note: nil, perClass: ["NORMAL": [0.8, 0.9]]))
        XCTAssertEqual(value, .object([
            "accuracy": .number(0.91), "epochs": .number(12), "converged": .bool(true),
            "perClass": .object(["NORMAL": .array([.number(0.8), .number(0.9)])]),
        ]))
        let explicitNull = try JSONValue(encoding: [JSONValue.null, .string("x")])
        XCTAssertEqual(explicitNull, .array([.null, .string("x")]))
    }

    func testEveryInputErrorMapsToAClientError() {
        let cases: [(ImageInputError, Int, String)] = [
            (.empty, 400, "empty_body"),
            (.notJPEG(detail: "x"), 400, "not_a_jpeg"),
            (.truncated(detail: "x"), 400, "truncated_jpeg"),
            (.tooManyPixels(width: 2, height: 3, limit: 5), 413, "too_many_pixels"),
            (.unsupportedFormat("x"), 415, "unsupported_image_format"),
        ]
        for (error, status, code) in cases {
            let answer = APIError(error)
            XCTAssertEqual(answer.status, status, "\(error)")
            XCTAssertEqual(answer.code, code, "\(error)")
            XCTAssertFalse(answer.message.isEmpty)
        }
    }
}
