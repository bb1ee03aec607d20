import Foundation
import PneumoData
import XCTest

final class ImageSetLoaderTests: XCTestCase {
    private let preprocessing = ImagePreprocessing(side: 16)

    /// A Kaggle-style folder with two good images and one bad file of each kind.
    private func makeBadLayout(_ folder: TemporaryFolder) throws -> DatasetScan {
        let good = try TestJPEG.grayRamp(width: 40, height: 30)
        try folder.write(good, to: "train/NORMAL/IM-0001-0001.jpeg")
        try folder.write(good, to: "train/PNEUMONIA/person1_virus_1.jpeg")
        try folder.write([], to: "train/NORMAL/IM-0002-0001.jpeg")
        try folder.write(Array(good.prefix(good.count / 2)), to: "train/NORMAL/IM-0003-0001.jpeg")
        try folder.write(Array("GIF89a not really".utf8), to: "train/PNEUMONIA/person2_bacteria_2.jpeg")
        var huge = good
        if let sof = (0..<(huge.count - 1)).first(where: { huge[$0] == 0xFF && huge[$0 + 1] == 0xC0 }) {
            huge[sof + 5] = 0xEA; huge[sof + 6] = 0x60; huge[sof + 7] = 0xEA; huge[sof + 8] = 0x60
        }
        try folder.write(huge, to: "train/PNEUMONIA/person3_bacteria_3.jpeg")
        // Unreadable: a link to nothing (works even for root, unlike permission bits).
        let link = folder.url.appendingPathComponent("train/PNEUMONIA/person4_bacteria_4.jpeg")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: folder.url.appendingPathComponent("gone.jpeg"))
        var scan = try DatasetScanner.scanKaggle(root: folder.url)
        // The scanner reports the dangling link itself; handed to the loader anyway, it must still fail as unreadable.
        XCTAssertEqual(scan.issues.map(\.path), [link])
        scan.samples.append(ImageSample(file: link, split: .train, classFolder: "PNEUMONIA", label: 1,
                                        patientID: PatientID.from(fileName: link.lastPathComponent)))
        return scan
    }

    func testBadFilesAreSkippedCountedAndNamed() throws {
        let folder = try TemporaryFolder()
        let scan = try makeBadLayout(folder)
        XCTAssertEqual(scan.samples.count, 7)
        let (images, report) = try ImageSetLoader.load(scan.samples, name: "train", preprocessing: preprocessing, cache: nil)
        XCTAssertEqual(images.count, 2)
        XCTAssertEqual(images.samples.map { $0.file.lastPathComponent }, ["IM-0001-0001.jpeg", "person1_virus_1.jpeg"])
        XCTAssertEqual(images.pixels.count, 2 * 16 * 16)
        XCTAssertEqual(report.failureCounts, ["empty": 1, "truncated": 1, "not a JPEG": 1, "too large": 1, "unreadable": 1])
        let byName = Dictionary(uniqueKeysWithValues: report.failures.map { ($0.file.lastPathComponent, $0.description) })
        XCTAssertTrue(byName["IM-0002-0001.jpeg"]?.contains("empty file") ?? false)
        XCTAssertTrue(byName["person4_bacteria_4.jpeg"]?.contains("No such file") ?? false, "\(byName)")
        XCTAssertTrue(report.description.contains("skipped 5"), report.description)
        XCTAssertEqual(report.cache, .notCached(reason: "no cache configured"))
    }

    func testStrictModeMakesBadFilesFatal() throws {
        let folder = try TemporaryFolder()
        let scan = try makeBadLayout(folder)
        XCTAssertThrowsError(try ImageSetLoader.load(scan.samples, name: "train", preprocessing: preprocessing, cache: nil, strict: true)) { error in
            guard case let .strictDecode(failures) = error as? DataError else { return XCTFail("got \(error)") }
            XCTAssertEqual(failures.count, 5)
            XCTAssertTrue("\(error)".contains("IM-0003-0001.jpeg"))
        }
    }

    func testPermissionDeniedFileIsUnreadable() throws {
        if geteuid() == 0 { throw XCTSkip("permission bits do not stop root") }
        let folder = try TemporaryFolder()
        let file = try folder.write(try TestJPEG.grayRamp(width: 8, height: 8), to: "x/locked.jpeg")
        chmod(file.path, 0)
        let scan = try DatasetScanner.scanFiles([file])
        let (_, report) = try ImageSetLoader.load(scan.samples, name: "x", preprocessing: preprocessing, cache: nil)
        XCTAssertEqual(report.failures.first?.category, "unreadable")
        XCTAssertTrue(report.failures.first?.description.contains("Permission denied") ?? false)
    }

    func testDirectoryNamedLikeAnImageIsUnreadable() throws {
        let folder = try TemporaryFolder()
        try folder.folder("d/NORMAL/IM-0009-0001.jpeg")
        try folder.write(try TestJPEG.grayRamp(width: 8, height: 8), to: "d/NORMAL/IM-0010-0001.jpeg")
        let scan = try DatasetScanner.scanFolder(folder.url.appendingPathComponent("d"))
        let samples = scan.samples + [ImageSample(file: folder.url.appendingPathComponent("d/NORMAL/IM-0009-0001.jpeg"),
                                                  split: nil, classFolder: "NORMAL", label: 0, patientID: "IM-0009")]
        let (images, report) = try ImageSetLoader.load(samples, name: "d", preprocessing: preprocessing, cache: nil)
        XCTAssertEqual(images.count, 1)
        XCTAssertTrue(report.failures.first?.description.contains("directory") ?? false, "\(report)")
    }

    func testParallelDecodeOfRealOriginalsIsOrderedAndComplete() throws {
        let scan = try DatasetScanner.scanKaggle(root: try SharedData.folder("originals"))
        XCTAssertEqual(scan.samples.count, 96)
        let (images, report) = try ImageSetLoader.load(scan.samples, name: "originals", preprocessing: ImagePreprocessing(side: 64), cache: nil, threads: 2)
        XCTAssertTrue(report.failures.isEmpty, "\(report)")
        // Same bytes as decoding one by one, in the same order.
        for index in [0, 41, 95] {
            let single = try ParallelDecoding.decodeFile(scan.samples[index].file, preprocessing: ImagePreprocessing(side: 64))
            XCTAssertEqual(images.image(at: index), single)
        }
    }
}
