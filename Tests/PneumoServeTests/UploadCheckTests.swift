import PneumoData
import SeededRandom
import XCTest
@testable import PneumoServe

/// The server's checks before an upload is queued. The JPEG rule is PneumoData's decoder's,
/// so the server takes every JPEG `pneumo predict` takes.
final class UploadCheckTests: XCTestCase {
    private func check(_ bytes: [UInt8], maxPixels: Int = .max) throws -> JPEGHeader {
        try UploadCheck.header(of: bytes, maxPixels: maxPixels)
    }

    private func checkError(_ bytes: [UInt8], maxPixels: Int = .max, file: StaticString = #filePath, line: UInt = #line) -> ImageInputError? {
        do {
            let header = try check(bytes, maxPixels: maxPixels)
            XCTFail("expected an error, got \(header)", file: file, line: line)
            return nil
        } catch let error as ImageInputError {
            return error
        } catch {
            XCTFail("unexpected error \(error)", file: file, line: line)
            return nil
        }
    }

    /// Whether the command line's decoder (what `pneumo predict` runs) makes an image of `bytes`.
    private func decoderAccepts(_ bytes: [UInt8]) -> Bool {
        guard let decoder = try? JPEGDecoder() else { return false }
        return (try? decoder.decode(bytes, side: 24)) != nil
    }

    func testReadsBaselineAndProgressiveSizes() throws {
        XCTAssertEqual(try check(TestImages.baseline), JPEGHeader(width: 24, height: 16, colorspace: .gray))
        XCTAssertEqual(try check(TestImages.progressive), JPEGHeader(width: 24, height: 16, colorspace: .gray))
    }

    func testReadsDataSetImages() throws {
        for (name, bytes) in try TestImages.xrays(4) {
            let header = try check(bytes)
            XCTAssertGreaterThan(header.width, 16, name)
            XCTAssertGreaterThan(header.height, 16, name)
        }
    }

    func testAcceptsEveryColourModelTheDecoderDecodes() throws {
        for (kind, colorspace) in [(TestJPEG.Kind.gray, JPEGHeader.Colorspace.gray), (.rgb, .ycbcr), (.ycck, .ycck), (.cmyk, .cmyk)] {
            for progressive in [false, true] {
                let bytes = try TestJPEG.make(kind, progressive: progressive)
                XCTAssertTrue(decoderAccepts(bytes), "\(kind)")
                XCTAssertEqual(try check(bytes), JPEGHeader(width: 40, height: 32, colorspace: colorspace), "\(kind) progressive \(progressive)")
            }
        }
    }

    func testPixelLimitIsTheServers() {
        XCTAssertEqual(try check(TestImages.baseline, maxPixels: 384).width, 24)
        XCTAssertEqual(checkError(TestImages.baseline, maxPixels: 383), .tooManyPixels(width: 24, height: 16, limit: 383))
        XCTAssertEqual(try check(TestImages.baseline(claiming: 60_000, 60_000)).width, 60_000, "a header's size is read as is")
    }

    func testEmpty() {
        XCTAssertEqual(checkError([]), .empty)
    }

    func testOtherFormatsAreNamed() {
        guard case .unsupportedFormat(let png)? = checkError(TestImages.png) else { return XCTFail("PNG not recognised") }
        XCTAssertTrue(png.contains("PNG"), png)
        guard case .unsupportedFormat(let gif)? = checkError(Array("GIF89a....".utf8)) else { return XCTFail("GIF") }
        XCTAssertTrue(gif.contains("GIF"), gif)
        // DICOM is read (see DICOMServeTests); a file that stops after its magic is a cut-off one.
        let dicom = [UInt8](repeating: 0, count: 128) + Array("DICM".utf8) + [0, 0]
        guard case .dicom(.truncated)? = checkError(dicom) else { return XCTFail("DICOM: \(String(describing: checkError(dicom)))") }
    }

    func testTextIsNotAJPEG() {
        guard case .notJPEG(let detail)? = checkError(Array("hello, this is not an image".utf8)) else {
            return XCTFail("text accepted")
        }
        XCTAssertTrue(detail.contains("FF D8"), detail)
    }

    func testEveryTruncationIsCaught() {
        // Cutting the file anywhere must give a clear error, never a crash or a pass.
        let bytes = TestImages.baseline
        for length in 1..<(bytes.count - 1) {
            let error = checkError(Array(bytes[0..<length]))
            switch error {
            case .truncated?, .notJPEG?: break
            default: XCTFail("cut at \(length): \(String(describing: error))")
            }
        }
        // Cut in the image data: the header is complete, the end marker is missing.
        guard case .truncated(let detail)? = checkError(Array(bytes[0..<(bytes.count - 40)])) else {
            return XCTFail("truncated scan accepted")
        }
        XCTAssertTrue(detail.contains("end-of-image"), detail)
    }

    func testRejectsTwelveBitAndLosslessAndZeroSizeAsTheDecoderDoes() {
        var twelveBit = TestImages.baseline
        twelveBit[TestImages.baselineSizeOffset - 1] = 12
        guard case .unsupportedFormat(let precision)? = checkError(twelveBit) else { return XCTFail("12-bit accepted") }
        XCTAssertTrue(precision.contains("precision 12"), precision)

        var lossless = TestImages.baseline
        lossless[TestImages.baselineSizeOffset - 4] = 0xC3
        guard case .unsupportedFormat(let kind)? = checkError(lossless) else { return XCTFail("lossless accepted") }
        XCTAssertTrue(kind.contains("0xc3"), kind)

        guard case .notJPEG? = checkError(TestImages.baseline(claiming: 0, 16)) else { return XCTFail("zero width accepted") }
        for bytes in [twelveBit, lossless, TestImages.baseline(claiming: 0, 16)] {
            XCTAssertFalse(decoderAccepts(bytes))
        }
    }

    /// One rule: whatever the command line's decoder decodes, the server lets through,
    /// across colour models and thousands of damaged variants.
    func testServerAcceptsEveryJPEGTheDecoderAccepts() throws {
        var seeds = [TestImages.baseline, TestImages.progressive]
        for kind in [TestJPEG.Kind.gray, .rgb, .ycck, .cmyk] { seeds.append(try TestJPEG.make(kind)) }
        var generator = SeededGenerator(seed: 20_261_206)
        var decoded = 0
        for round in 0..<1_500 {
            var bytes = seeds[round % seeds.count]
            for _ in 0..<Int.random(in: 1...3, using: &generator) {
                bytes[Int.random(in: 0..<bytes.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
            }
            guard decoderAccepts(bytes) else { continue }
            decoded += 1
            XCTAssertNoThrow(try check(bytes), "round \(round): the decoder takes it, the server must too")
        }
        XCTAssertGreaterThan(decoded, 300, "enough accepted variants to mean something")
    }

    func testRandomBytesNeverCrash() {
        var generator = SeededGenerator(seed: 7)
        for _ in 0..<300 {
            var bytes = TestImages.baseline
            for _ in 0..<3 {
                bytes[Int.random(in: 0..<bytes.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
            }
            _ = try? check(bytes)
        }
    }
}
