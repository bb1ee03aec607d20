import XCTest
@testable import PneumoServe

final class JPEGHeaderTests: XCTestCase {
    private func parseError(_ bytes: [UInt8], file: StaticString = #filePath, line: UInt = #line) -> ImageInputError? {
        do {
            let header = try JPEGHeader.parse(bytes)
            XCTFail("expected an error, got \(header)", file: file, line: line)
            return nil
        } catch let error as ImageInputError {
            return error
        } catch {
            XCTFail("unexpected error \(error)", file: file, line: line)
            return nil
        }
    }

    func testReadsBaselineAndProgressiveSizes() throws {
        XCTAssertEqual(
            try JPEGHeader.parse(TestImages.baseline),
            JPEGHeader(width: 24, height: 16, components: 1, isProgressive: false))
        XCTAssertEqual(
            try JPEGHeader.parse(TestImages.progressive),
            JPEGHeader(width: 24, height: 16, components: 1, isProgressive: true))
    }

    func testReadsDataSetImages() throws {
        for (name, bytes) in try TestImages.xrays(4) {
            let header = try JPEGHeader.parse(bytes)
            XCTAssertGreaterThan(header.width, 16, name)
            XCTAssertGreaterThan(header.height, 16, name)
        }
    }

    func testHeaderClaimingHugeSizeIsReadAsIs() throws {
        let header = try JPEGHeader.parse(TestImages.baseline(claiming: 60_000, 60_000))
        XCTAssertEqual(header.pixelCount, 3_600_000_000)
    }

    func testEmpty() {
        XCTAssertEqual(parseError([]), .empty)
    }

    func testOtherFormatsAreNamed() {
        guard case .unsupportedFormat(let png)? = parseError(TestImages.png) else { return XCTFail("PNG not recognised") }
        XCTAssertTrue(png.contains("PNG"), png)
        guard case .unsupportedFormat(let gif)? = parseError(Array("GIF89a....".utf8)) else { return XCTFail("GIF") }
        XCTAssertTrue(gif.contains("GIF"), gif)
        let dicom = [UInt8](repeating: 0, count: 128) + Array("DICM".utf8) + [0, 0]
        guard case .unsupportedFormat(let dicomMessage)? = parseError(dicom) else { return XCTFail("DICOM") }
        XCTAssertTrue(dicomMessage.contains("DICOM"), dicomMessage)
    }

    func testTextIsNotAJPEG() {
        guard case .notJPEG(let detail)? = parseError(Array("hello, this is not an image".utf8)) else {
            return XCTFail("text accepted")
        }
        XCTAssertTrue(detail.contains("FF D8"), detail)
    }

    func testEveryTruncationIsCaught() {
        // Cutting the file anywhere must give a clear error, never a crash or a pass.
        let bytes = TestImages.baseline
        for length in 1..<(bytes.count - 1) {
            let error = parseError(Array(bytes[0..<length]))
            switch error {
            case .truncated?, .notJPEG?: break
            default: XCTFail("cut at \(length): \(String(describing: error))")
            }
        }
        // Cut in the image data: the frame header is complete, the end marker is missing.
        guard case .truncated(let detail)? = parseError(Array(bytes[0..<(bytes.count - 40)])) else {
            return XCTFail("truncated scan accepted")
        }
        XCTAssertTrue(detail.contains("end-of-image"), detail)
    }

    func testRejectsTwelveBitAndLosslessAndZeroSize() {
        var twelveBit = TestImages.baseline
        twelveBit[TestImages.baselineSizeOffset - 1] = 12
        guard case .unsupportedFormat(let precision)? = parseError(twelveBit) else { return XCTFail("12-bit accepted") }
        XCTAssertTrue(precision.contains("12-bit"), precision)

        var lossless = TestImages.baseline
        lossless[TestImages.baselineSizeOffset - 4] = 0xC3
        guard case .unsupportedFormat(let kind)? = parseError(lossless) else { return XCTFail("lossless accepted") }
        XCTAssertTrue(kind.contains("lossless"), kind)

        guard case .notJPEG? = parseError(TestImages.baseline(claiming: 0, 16)) else { return XCTFail("zero width accepted") }
    }

    func testRandomBytesNeverCrash() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<300 {
            var bytes = TestImages.baseline
            for _ in 0..<3 {
                bytes[Int.random(in: 0..<bytes.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
            }
            _ = try? JPEGHeader.parse(bytes)
        }
    }
}
