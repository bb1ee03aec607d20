import Foundation
import XCTest

/// A fresh empty directory for one test, removed when the test ends.
func temporaryDirectory(_ test: XCTestCase) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("pneumo-app-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url
}

/// Asserts that `body` throws an error of type `E` and hands it over for further checks.
func assertThrows<E: Error>(
    _ expected: E.Type, file: StaticString = #filePath, line: UInt = #line, _ body: () throws -> Void, check: (E) -> Void = { _ in }
) {
    do {
        try body()
        XCTFail("expected \(E.self) to be thrown", file: file, line: line)
    } catch let error as E {
        check(error)
    } catch {
        XCTFail("expected \(E.self), got \(type(of: error)): \(error)", file: file, line: line)
    }
}
