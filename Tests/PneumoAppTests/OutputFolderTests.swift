import Foundation
import XCTest
@testable import PneumoApp

/// Output folders are created one level deep at most.
final class OutputFolderTests: XCTestCase {
    func testCreatesOnlyTheLastFolderAndNamesAMissingParent() throws {
        let directory = try temporaryDirectory(self)
        let fresh = directory.appendingPathComponent("report")
        try OutputFolder.prepare(fresh)
        XCTAssertTrue(FileManager.default.fileExists(atPath: fresh.path))
        XCTAssertNoThrow(try OutputFolder.prepare(fresh), "an existing folder is fine")

        let deep = directory.appendingPathComponent("missing/report")
        assertThrows(FileWriteError.self, { try OutputFolder.prepare(deep) }) { error in
            XCTAssertTrue(error.description.contains("\(directory.appendingPathComponent("missing").path) does not exist"), error.description)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory.appendingPathComponent("missing").path))

        let file = directory.appendingPathComponent("notes.txt")
        try Data("x".utf8).write(to: file)
        assertThrows(FileWriteError.self, { try OutputFolder.prepare(file) }) { XCTAssertTrue($0.description.contains("is a file")) }
    }
}
