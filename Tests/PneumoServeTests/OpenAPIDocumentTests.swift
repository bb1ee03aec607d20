import Foundation
import XCTest
@testable import PneumoServe

/// `GET /openapi.json`: an OpenAPI 3.1 document naming exactly the routes the server serves,
/// identical to the copy kept in `docs/openapi.json`.
final class OpenAPIDocumentTests: XCTestCase {
    private static let keptCopy = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("docs/openapi.json")

    func testServedDocumentIsOpenAPI31AndDescribesEveryRouteAndNoOther() async throws {
        try await withServer { port in
            let answer = try await LoopbackHTTPClient.send(port: port, path: "/openapi.json")
            XCTAssertEqual(answer.status, 200)
            XCTAssertEqual(answer.headers["content-type"], "application/json; charset=utf-8")
            XCTAssertEqual(String(decoding: answer.body, as: UTF8.self), OpenAPIDocument.json)
            let document = try XCTUnwrap(answer.json)
            XCTAssertTrue((document["openapi"] as? String)?.hasPrefix("3.1.") == true, "\(document["openapi"] ?? "none")")

            let paths = try XCTUnwrap(document["paths"] as? [String: [String: Any]])
            let operations = Self.operations
            let documented = paths.mapValues { Set($0.keys.filter(operations.contains).map { $0.uppercased() }) }
            // HEAD is answered wherever GET is; the document says so once instead of per path.
            let served = PneumoServer.routeMethods.mapValues { Set($0.filter { $0 != "HEAD" }) }
            XCTAssertEqual(documented, served)
        }
    }

    func testEveryReferenceResolves() throws {
        let document = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(OpenAPIDocument.json.utf8)) as? [String: Any])
        var references: [String] = []
        Self.collectReferences(document, into: &references)
        XCTAssertFalse(references.isEmpty)
        for reference in references {
            XCTAssertTrue(reference.hasPrefix("#/"), reference)
            var node: Any? = document
            for key in reference.dropFirst(2).split(separator: "/") {
                node = (node as? [String: Any])?[String(key)]
            }
            XCTAssertNotNil(node, "\(reference) points nowhere")
        }
    }

    /// The document is kept in the repository for readers and tools; run with
    /// PNEUMO_WRITE_OPENAPI=1 to rewrite the copy from `OpenAPIDocument.json`.
    func testRepositoryCopyMatchesTheServedDocument() throws {
        if ProcessInfo.processInfo.environment["PNEUMO_WRITE_OPENAPI"] == "1" {
            try Data(OpenAPIDocument.json.utf8).write(to: Self.keptCopy)
        }
        let kept = try String(contentsOf: Self.keptCopy, encoding: .utf8)
        XCTAssertTrue(
            kept == OpenAPIDocument.json,
            "docs/openapi.json differs from OpenAPIDocument.json; edit the Swift file, then run this test with PNEUMO_WRITE_OPENAPI=1")
    }

    private static let operations: Set<String> = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]

    private static func collectReferences(_ node: Any, into references: inout [String]) {
        if let object = node as? [String: Any] {
            if let reference = object["$ref"] as? String { references.append(reference) }
            object.values.forEach { collectReferences($0, into: &references) }
        } else if let array = node as? [Any] {
            array.forEach { collectReferences($0, into: &references) }
        }
    }
}
