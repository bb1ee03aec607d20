import Foundation
import XCTest
@testable import PneumoApp

final class JSONValueTests: XCTestCase {
    struct Options: Codable, Equatable {
        var optimizer: String
        var learningRate: Double
        var epochs: Int
        var augment: Bool
        var milestones: [Int]
        var note: String?
    }

    func testEncodableValuesRoundTrip() throws {
        let options = Options(optimizer: "adamw", learningRate: 3e-4, epochs: 12, augment: true, milestones: [4, 8], note: nil)
        let value = try JSONValue(encoding: options)
        XCTAssertEqual(value["optimizer"], .string("adamw"))
        XCTAssertEqual(value["epochs"], .integer(12))
        XCTAssertEqual(value["augment"], .bool(true))
        XCTAssertEqual(value["learningRate"], .number(3e-4))
        XCTAssertNil(value["missing"])
        XCTAssertEqual(try value.decode(Options.self), options)
    }

    func testParsesEveryKindAndKeepsBoolsApartFromNumbers() throws {
        let value = try JSONValue(parsing: Data(#"{"a":null,"b":[true,1,1.5,"s"],"c":{"d":-2}}"#.utf8))
        XCTAssertEqual(value, .object([
            "a": .null, "b": .array([.bool(true), .integer(1), .number(1.5), .string("s")]), "c": .object(["d": .integer(-2)]),
        ]))
        XCTAssertEqual(JSONValue.integer(2), JSONValue.number(2))
        XCTAssertNotEqual(JSONValue.bool(true), JSONValue.integer(1))
        XCTAssertEqual(value.description, #"{"a":null,"b":[true,1,1.5,"s"],"c":{"d":-2}}"#)
    }
}
