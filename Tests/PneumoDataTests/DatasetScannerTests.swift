import Foundation
import PneumoData
import XCTest

final class DatasetScannerTests: XCTestCase {
    private func makeLayout(_ folder: TemporaryFolder) throws {
        let jpeg = try TestJPEG.grayRamp(width: 16, height: 16)
        try folder.write(jpeg, to: "train/NORMAL/IM-0001-0001.jpeg")
        try folder.write(jpeg, to: "train/NORMAL/NORMAL2-IM-0002-0001.JPG")
        try folder.write(jpeg, to: "train/PNEUMONIA/person1_bacteria_1.jpeg")
        try folder.write(jpeg, to: "train/PNEUMONIA/person1_virus_2.Jpeg")
        try folder.write(jpeg, to: "train/PNEUMONIA/person2_virus_3.jpg")
        try folder.write(jpeg, to: "test/NORMAL/IM-0003-0001.jpeg")
        try folder.write(jpeg, to: "test/PNEUMONIA/person3_bacteria_4.jpeg")
        try folder.write(Array("notes".utf8), to: "train/PNEUMONIA/readme.txt")
        try folder.write([1, 2, 3], to: "train/NORMAL/.DS_Store")
    }

    func testKaggleLayoutBinaryLabels() throws {
        let folder = try TemporaryFolder()
        try makeLayout(folder)
        let scan = try DatasetScanner.scanKaggle(root: folder.url)
        XCTAssertEqual(scan.samples.count, 7)
        XCTAssertEqual(Set(scan.samples.compactMap(\.split)), [.train, .test])
        XCTAssertEqual(scan.samples(in: .train).map(\.label), [0, 0, 1, 1, 1])
        XCTAssertEqual(scan.samples(in: .train).map(\.patientID), ["IM-0001", "NORMAL2-IM-0002", "person1", "person1", "person2"])
        XCTAssertEqual(scan.issues.map { $0.path.lastPathComponent }, ["readme.txt"], "hidden files are ignored, others reported")
        XCTAssertEqual(scan.counts()[.train]?[1], 3)
    }

    func testThreeClassLabelsFromFileNames() throws {
        let folder = try TemporaryFolder()
        try makeLayout(folder)
        try folder.write(try TestJPEG.grayRamp(width: 8, height: 8), to: "train/PNEUMONIA/person9_unknown_1.jpeg")
        let scan = try DatasetScanner.scanKaggle(root: folder.url, splits: [.train], labels: .threeClass)
        XCTAssertEqual(scan.samples.map(\.label), [0, 0, 1, 2, 2])
        XCTAssertTrue(scan.issues.contains { $0.path.lastPathComponent == "person9_unknown_1.jpeg" && $0.problem.contains("bacteria nor virus") })
        XCTAssertEqual(LabelScheme.threeClass.classNames, ["normal", "bacterial", "viral"])
        XCTAssertThrowsError(try DatasetScanner.scanKaggle(root: folder.url, splits: [.train], labels: .threeClass, strict: true)) {
            guard case .strictScan = $0 as? DataError else { return XCTFail("got \($0)") }
        }
    }

    func testMissingRootNamesThePath() {
        let missing = URL(fileURLWithPath: "/nonexistent/chest_xray")
        XCTAssertThrowsError(try DatasetScanner.scanKaggle(root: missing)) { error in
            XCTAssertEqual(error as? DataError, .missingRoot(missing))
            XCTAssertTrue("\(error)".contains("/nonexistent/chest_xray"))
        }
        XCTAssertThrowsError(try DatasetScanner.scanFolder(missing))
    }

    func testRootThatIsAFileOrHasNoSplits() throws {
        let folder = try TemporaryFolder()
        let file = try folder.write([0xFF], to: "x.jpeg")
        XCTAssertThrowsError(try DatasetScanner.scanKaggle(root: file)) { XCTAssertEqual($0 as? DataError, .notADirectory(file)) }
        try folder.folder("other")
        XCTAssertThrowsError(try DatasetScanner.scanKaggle(root: folder.url)) { XCTAssertEqual($0 as? DataError, .noSplitFolders(folder.url)) }
    }

    func testRequestedSplitMustExist() throws {
        let folder = try TemporaryFolder()
        try makeLayout(folder)
        XCTAssertThrowsError(try DatasetScanner.scanKaggle(root: folder.url, splits: [.val])) {
            XCTAssertEqual($0 as? DataError, .missingSplit(folder.url, .val))
        }
    }

    func testEmptyAndMissingClassFoldersAreIssuesOrFatalWhenStrict() throws {
        let folder = try TemporaryFolder()
        try folder.write(try TestJPEG.grayRamp(width: 8, height: 8), to: "train/PNEUMONIA/person1_bacteria_1.jpeg")
        try folder.folder("train/NORMAL")
        try folder.write(try TestJPEG.grayRamp(width: 8, height: 8), to: "val/NORMAL/IM-0001-0001.jpeg")
        let scan = try DatasetScanner.scanKaggle(root: folder.url)
        XCTAssertEqual(scan.samples.count, 2)
        let problems = scan.issues.map(\.description)
        XCTAssertTrue(problems.contains { $0.contains("train/NORMAL") && $0.contains("empty class folder") }, "\(problems)")
        XCTAssertTrue(problems.contains { $0.contains("val/PNEUMONIA") && $0.contains("class folder missing") }, "\(problems)")
        XCTAssertThrowsError(try DatasetScanner.scanKaggle(root: folder.url, strict: true)) { error in
            guard case let .strictScan(issues) = error as? DataError else { return XCTFail("got \(error)") }
            XCTAssertEqual(issues.count, 2)
        }
    }

    func testSplitsWithNoImagesAtAllIsAnError() throws {
        let folder = try TemporaryFolder()
        try folder.folder("train/NORMAL")
        try folder.folder("train/PNEUMONIA")
        XCTAssertThrowsError(try DatasetScanner.scanKaggle(root: folder.url)) {
            guard case .noImages = $0 as? DataError else { return XCTFail("got \($0)") }
        }
    }

    func testPlainFolderAndFileList() throws {
        let folder = try TemporaryFolder()
        let jpeg = try TestJPEG.grayRamp(width: 8, height: 8)
        try folder.write(jpeg, to: "upload/b.jpeg")
        try folder.write(jpeg, to: "upload/sub/a.JPG")
        try folder.write(jpeg, to: "upload/PNEUMONIA/person5_virus_9.jpeg")
        try folder.write([0], to: "upload/skip.png")
        let scan = try DatasetScanner.scanFolder(folder.url.appendingPathComponent("upload"))
        XCTAssertEqual(scan.samples.map { $0.file.lastPathComponent }, ["person5_virus_9.jpeg", "b.jpeg", "a.JPG"])
        XCTAssertEqual(scan.samples.map(\.label), [1, nil, nil])

        let missing = folder.url.appendingPathComponent("nope.jpeg")
        let list = try DatasetScanner.scanFiles([missing, folder.url.appendingPathComponent("upload/b.jpeg")])
        XCTAssertEqual(list.samples.count, 1)
        XCTAssertEqual(list.issues.map(\.path), [missing])
        XCTAssertThrowsError(try DatasetScanner.scanFiles([missing], strict: false))
        XCTAssertThrowsError(try DatasetScanner.scanFiles([missing, folder.url.appendingPathComponent("upload/b.jpeg")], strict: true))
    }

    func testPatientIDs() {
        XCTAssertEqual(PatientID.from(fileName: "person1000_bacteria_2931.jpeg"), "person1000")
        XCTAssertEqual(PatientID.from(fileName: "IM-0115-0001.jpeg"), "IM-0115")
        XCTAssertEqual(PatientID.from(fileName: "IM-0011-0001-0002.jpeg"), "IM-0011")
        XCTAssertEqual(PatientID.from(fileName: "NORMAL2-IM-1427-0001.jpeg"), "NORMAL2-IM-1427")
        XCTAssertEqual(PatientID.from(fileName: "scan.final.jpeg"), "scan.final")
    }

    func testSharedDataCounts() throws {
        let root = try SharedData.folder("chest_xray")
        let scan = try DatasetScanner.scanKaggle(root: root)
        let counts = scan.counts()
        XCTAssertEqual(counts[.train], [0: 1341, 1: 3875])
        XCTAssertEqual(counts[.val], [0: 8, 1: 8])
        XCTAssertEqual(counts[.test], [0: 234, 1: 390])
        XCTAssertTrue(scan.issues.isEmpty, "\(scan.issues)")
    }
}
