import Foundation
import PneumoData
import XCTest

/// The real file system, except that the named folders cannot be listed: running as root,
/// `chmod 000` would not stop the listing, so the failure is simulated here.
struct UnlistableFolders: FileSystemProbe {
    let folders: Set<String>

    func kind(of url: URL) -> FileKind { LocalFileSystem().kind(of: url) }

    func entries(of folder: URL) throws -> [String] {
        if folders.contains(folder.standardizedFileURL.path) { throw DataError.unreadableDirectory(folder, "Permission denied") }
        return try LocalFileSystem().entries(of: folder)
    }
}

final class FolderWalkTests: XCTestCase {
    private func link(_ path: URL, to target: String) throws {
        try FileManager.default.createSymbolicLink(atPath: path.path, withDestinationPath: target)
    }

    private func pipe(_ path: URL) throws {
        XCTAssertEqual(mkfifo(path.path, 0o644), 0, "mkfifo \(path.path)")
    }

    func testNamedPipeIsReportedNotListedAsAnImage() throws {
        let folder = try TemporaryFolder()
        try folder.write(try TestJPEG.grayRamp(width: 8, height: 8), to: "upload/a.jpeg")
        let fifo = folder.url.appendingPathComponent("upload/x.jpeg")
        try pipe(fifo)

        let scan = try DatasetScanner.scanFolder(folder.url.appendingPathComponent("upload"))
        XCTAssertEqual(scan.samples.map { $0.file.lastPathComponent }, ["a.jpeg"])
        XCTAssertEqual(scan.issues.map(\.path.lastPathComponent), ["x.jpeg"])
        XCTAssertTrue(scan.issues[0].problem.contains("not a regular file (named pipe)"), scan.issues[0].problem)
        XCTAssertThrowsError(try DatasetScanner.scanFolder(folder.url.appendingPathComponent("upload"), strict: true))

        let named = try DatasetScanner.scanFiles([fifo, folder.url.appendingPathComponent("upload/a.jpeg")])
        XCTAssertEqual(named.samples.count, 1)
        XCTAssertTrue(named.issues.first?.problem.contains("named pipe") ?? false, "\(named.issues)")
    }

    func testNamedPipeInAKaggleClassFolderIsAnIssue() throws {
        let folder = try TemporaryFolder()
        let jpeg = try TestJPEG.grayRamp(width: 8, height: 8)
        try folder.write(jpeg, to: "train/NORMAL/IM-1.jpeg")
        try folder.write(jpeg, to: "train/PNEUMONIA/person1_virus_1.jpeg")
        try pipe(folder.url.appendingPathComponent("train/NORMAL/IM-2.jpeg"))

        let scan = try DatasetScanner.scanKaggle(root: folder.url)
        XCTAssertEqual(scan.samples.count, 2)
        XCTAssertEqual(scan.issues.map(\.path.lastPathComponent), ["IM-2.jpeg"])
        XCTAssertTrue(scan.issues[0].problem.contains("named pipe"), scan.issues[0].problem)
    }

    func testBrokenLinksAndLinkLoopsAreReportedAndTheWalkEnds() throws {
        let folder = try TemporaryFolder()
        try folder.write(try TestJPEG.grayRamp(width: 8, height: 8), to: "upload/sub/a.jpeg")
        let upload = folder.url.appendingPathComponent("upload")
        try link(upload.appendingPathComponent("gone.jpeg"), to: "nowhere.jpeg")
        try link(upload.appendingPathComponent("scans"), to: "missing-folder")
        try link(upload.appendingPathComponent("self.jpeg"), to: "self.jpeg")
        try link(upload.appendingPathComponent("sub/up"), to: "..")

        let found = try DatasetScanner.findImages(under: upload)
        XCTAssertEqual(found.files.map(\.lastPathComponent), ["a.jpeg"])
        let problems = Dictionary(uniqueKeysWithValues: found.issues.map { ($0.path.lastPathComponent, $0.problem) })
        XCTAssertEqual(Set(problems.keys), ["gone.jpeg", "scans", "self.jpeg", "up"])
        XCTAssertTrue(problems["gone.jpeg"]?.contains("broken symbolic link") ?? false)
        XCTAssertTrue(problems["scans"]?.contains("broken symbolic link") ?? false)
        XCTAssertTrue(problems["self.jpeg"]?.contains("link loop") ?? false)
        XCTAssertTrue(problems["up"]?.contains("link loop") ?? false)
    }

    func testUnlistableSubfolderIsAnIssueAndAnUnlistableRootAnError() throws {
        let folder = try TemporaryFolder()
        let jpeg = try TestJPEG.grayRamp(width: 8, height: 8)
        try folder.write(jpeg, to: "upload/a.jpeg")
        try folder.write(jpeg, to: "upload/locked/b.jpeg")
        let upload = folder.url.appendingPathComponent("upload")
        let locked = upload.appendingPathComponent("locked")

        let found = try DatasetScanner.findImages(under: upload, fileSystem: UnlistableFolders(folders: [locked.path]))
        XCTAssertEqual(found.files.map(\.lastPathComponent), ["a.jpeg"])
        XCTAssertEqual(found.issues.map(\.path), [locked])
        XCTAssertTrue(found.issues[0].problem.contains("cannot be listed"), found.issues[0].problem)
        XCTAssertThrowsError(try DatasetScanner.scanFolder(upload, strict: true, fileSystem: UnlistableFolders(folders: [locked.path])))

        XCTAssertThrowsError(try DatasetScanner.scanFolder(upload, fileSystem: UnlistableFolders(folders: [upload.path]))) {
            guard case .unreadableDirectory = $0 as? DataError else { return XCTFail("got \($0)") }
            XCTAssertTrue("\($0)".contains("permissions"), "\($0)")
        }
    }
}
