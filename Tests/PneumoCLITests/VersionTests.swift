import PneumoApp
import XCTest
@testable import pneumo

final class VersionTests: XCTestCase {
    func testVersionFlagParses() throws {
        XCTAssertTrue(try Pneumo.parse(["--version"]).version)
        XCTAssertFalse(try Pneumo.parse([]).version)
    }

    func testReportNamesTheVersionsAndLibraries() {
        let lines = VersionReport.lines()
        XCTAssertEqual(lines.first, "pneumo \(ProductVersion.current)")
        XCTAssertTrue(lines.contains("engine \(ProductVersion.engine)"), "\(lines)")
        XCTAssertTrue(ProductVersion.engine.hasPrefix("pneumo-engine-"))
        XCTAssertTrue(lines.contains { $0.hasPrefix("OpenCL") }, "\(lines)")
        XCTAssertTrue(lines.contains { $0.hasPrefix("TurboJPEG: ") }, "\(lines)")
    }

    func testLibraryLookupReadsTheMapAndSurvivesItsAbsence() throws {
        let maps = FileManager.default.temporaryDirectory.appendingPathComponent("maps-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: maps) }
        try """
            7f00-7f10 r--p 00000000 08:01 1 /usr/lib/x86_64-linux-gnu/libc.so.6
            7f20-7f30 r-xp 00000000 08:01 2 /usr/lib/x86_64-linux-gnu/libturbojpeg.so.0.2.0
            7f40-7f50 rw-p 00000000 00:00 0 [heap]
            """.write(to: maps, atomically: true, encoding: .utf8)
        XCTAssertEqual(
            LoadedLibraries.path(startingWith: "libturbojpeg", mapsFile: maps.path), "/usr/lib/x86_64-linux-gnu/libturbojpeg.so.0.2.0")
        XCTAssertNil(LoadedLibraries.path(startingWith: "libOpenCL", mapsFile: maps.path))
        XCTAssertNil(LoadedLibraries.path(startingWith: "libturbojpeg", mapsFile: maps.path + "-missing"))
    }
}
