import Foundation
import XCTest
@testable import PneumoData

/// DICOM through the decoder every image goes through: each syntax and photometric case renders
/// the picture of the JPEG it was made from, and broken files get their own errors.
final class DICOMDecoderTests: XCTestCase {
    func testEveryCaseRendersItsJPEGsPixelsAndReportsWhatItIs() throws {
        let decoder = try JPEGDecoder()
        for image in DICOMFixtures.images {
            let reference = try decoder.decode(file: DICOMFixtures.jpeg(image))
            for testCase in DICOMFixtures.cases {
                let url = DICOMFixtures.file(image, testCase)
                let bytes = try DICOMFixtures.bytes(url)
                let info = try bytes.withUnsafeBytes { try DICOMDecoder().info($0) }
                XCTAssertEqual(info.photometric, testCase.photometric, testCase.name)
                XCTAssertEqual(info.bitsAllocated, testCase.bitsAllocated, testCase.name)
                XCTAssertEqual(info.bitsStored, testCase.bitsStored, testCase.name)
                XCTAssertEqual(info.transferSyntaxUID, testCase.syntaxUID, testCase.name)
                XCTAssertEqual(info.frames, 1, testCase.name)

                let rendered = try decoder.decode(file: url)
                XCTAssertEqual(rendered.width, reference.width, testCase.name)
                XCTAssertEqual(rendered.height, reference.height, testCase.name)
                let differences = zip(rendered.pixels, reference.pixels).map { abs(Int($0) - Int($1)) }
                let mean = Double(differences.reduce(0, +)) / Double(differences.count)
                XCTAssertLessThanOrEqual(differences.max() ?? 0, testCase.maxDifference, "\(image) \(testCase.name)")
                XCTAssertLessThanOrEqual(mean, testCase.maxMeanDifference, "\(image) \(testCase.name)")
            }
        }
    }

    func testCasesResizeLikeTheirJPEGAndPassTheQualityGate() throws {
        let decoder = try JPEGDecoder()
        for image in DICOMFixtures.images {
            let (reference, _) = try decoder.decodeMeasured(file: DICOMFixtures.jpeg(image), side: 128)
            for testCase in DICOMFixtures.cases {
                let (small, measures) = try decoder.decodeMeasured(file: DICOMFixtures.file(image, testCase), side: 128)
                XCTAssertEqual(small.width, 128)
                XCTAssertTrue(measures.isDICOM)
                XCTAssertNil(measures.decoderWarning)
                XCTAssertEqual(ImageQualityGate.standard.check(measures), [], "\(image) \(testCase.name)")
                let differences = zip(small.pixels, reference.pixels).map { abs(Int($0) - Int($1)) }
                let mean = Double(differences.reduce(0, +)) / Double(differences.count)
                // Both shrink through TurboJPEG's scaled IDCT, the DICOM after a quality-100 round trip.
                XCTAssertLessThanOrEqual(mean, 1.0, "\(image) \(testCase.name)")
            }
        }
    }

    func testBitsPerPixelIsNotAppliedToDICOMButIsToJPEG() {
        var measures = ImageQualityMeasures(width: 2000, height: 2000, fileBytes: 1000, contrast: 50, entropy: 7, flatShare: 0)
        XCTAssertEqual(ImageQualityGate.standard.check(measures).map(\.rule), [.bitsPerPixel])
        measures.isDICOM = true
        XCTAssertEqual(ImageQualityGate.standard.check(measures), [])
    }

    func testBrokenFilesGetTheirOwnErrors() throws {
        let decoder = try JPEGDecoder()
        func failure(_ name: String) -> DICOMDecodeError? {
            do {
                _ = try decoder.decode(file: DICOMFixtures.bad(name))
            } catch let error as ImageLoadError {
                if case let .decode(.dicom(dicom)) = error.reason { return dicom }
                XCTFail("\(name): \(error)")
            } catch {
                XCTFail("\(name): \(error)")
            }
            return nil
        }
        XCTAssertEqual(failure("no-pixel-data"), .noPixelData)
        guard case .unsupportedSyntax(let detail)? = failure("unsupported-syntax-mpeg2") else { return XCTFail("mpeg2") }
        XCTAssertTrue(detail.contains("1.2.840.10008.1.2.4.100"), detail)
        XCTAssertEqual(failure("absurd-dimensions"), .badDimensions(width: 65535, height: 65535, limit: JPEGDecoder.defaultMaxPixels))
        XCTAssertEqual(failure("zero-rows"), .badDimensions(width: 64, height: 0, limit: JPEGDecoder.defaultMaxPixels))
        guard case .unsupportedImage(let colour)? = failure("colour-rgb") else { return XCTFail("rgb") }
        XCTAssertTrue(colour.contains("RGB"), colour)
        guard case .unreadable? = failure("magic-then-garbage") else { return XCTFail("garbage") }

        // Each message says what is wrong and names no dataset value.
        let message = ImageLoadError(file: DICOMFixtures.bad("no-pixel-data"), reason: .decode(.dicom(.noPixelData))).description
        XCTAssertTrue(message.contains("no Pixel Data"), message)
        XCTAssertEqual(ImageLoadError(file: DICOMFixtures.bad("x"), reason: .decode(.dicom(.noPixelData))).category, "DICOM without pixels")
    }

    func testEveryTruncationIsRefusedWithoutACrash() throws {
        let decoder = try JPEGDecoder()
        var outcomes: [String: Int] = [:]
        for testCase in DICOMFixtures.cases {
            let bytes = try DICOMFixtures.bytes(DICOMFixtures.file("normal", testCase))
            // Cuts in the preamble and meta header, through the dataset and all along the pixel data.
            var cuts = Set([0, 1, 100, 131, 132, 140, 200, 400, bytes.count - 1, bytes.count - 2, bytes.count - 7])
            for step in 1..<40 { cuts.insert(bytes.count * step / 40) }
            for cut in cuts.sorted() where cut < bytes.count {
                let prefix = Array(bytes.prefix(cut))
                do {
                    _ = try decoder.decode(prefix, side: 64)
                    XCTFail("\(testCase.name) cut at \(cut) of \(bytes.count) decoded")
                } catch let error as JPEGDecodeError {
                    outcomes[ImageLoadError(file: URL(fileURLWithPath: "/x"), reason: .decode(error)).category, default: 0] += 1
                }
            }
        }
        XCTAssertGreaterThan(outcomes.values.reduce(0, +), 400, "\(outcomes)")
        print("truncation outcomes: \(outcomes.sorted { $0.key < $1.key })")
    }

    func testFolderWalksFindDICOMByExtensionAndByMagic() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pneumo-dicom-walk-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let nested = folder.appendingPathComponent("study/series")
        try FileManager.default.createDirectory(at: nested, withIntermediateDirectories: true)
        let source = DICOMFixtures.file("normal", DICOMFixtures.cases[0])
        try FileManager.default.copyItem(at: source, to: nested.appendingPathComponent("image.DCM"))
        try FileManager.default.copyItem(at: source, to: nested.appendingPathComponent("IM000001"))
        try Data("notes".utf8).write(to: nested.appendingPathComponent("README"))
        let walk = try ImageFileWalk(fileSystem: LocalFileSystem()).run(folder)
        XCTAssertEqual(walk.files.map(\.lastPathComponent), ["IM000001", "image.DCM"])
        XCTAssertTrue(DatasetScanner.isImageName("x.dcm"))
        XCTAssertFalse(DICOMFormat.matches(try DICOMFixtures.bytes(DICOMFixtures.jpeg("normal"))))
    }
}
