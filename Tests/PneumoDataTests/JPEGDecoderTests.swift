import Foundation
import PneumoData
import XCTest

final class JPEGDecoderTests: XCTestCase {
    func testFullSizeGrayDecodeMatchesEncodedPixels() throws {
        let pixels = TestJPEG.ramp(width: 40, height: 24)
        let jpeg = try TestJPEG.encode(pixels, width: 40, height: 24, quality: 100)
        let image = try JPEGDecoder().decode(jpeg)
        XCTAssertEqual(image.width, 40)
        XCTAssertEqual(image.height, 24)
        let worst = zip(image.pixels, pixels).map { abs(Int($0) - Int($1)) }.max() ?? 0
        XCTAssertLessThanOrEqual(worst, 3, "quality-100 JPEG should round-trip within 3 levels")
    }

    func testHeaderReportsSizeAndColorspace() throws {
        let decoder = try JPEGDecoder()
        let gray = try TestJPEG.grayRamp(width: 33, height: 17)
        let rgb = try TestJPEG.encode([UInt8](repeating: 90, count: 8 * 8 * 3), width: 8, height: 8, as: .rgb)
        XCTAssertEqual(try gray.withUnsafeBytes { try decoder.header($0) }, JPEGHeader(width: 33, height: 17, colorspace: .gray))
        XCTAssertEqual(try rgb.withUnsafeBytes { try decoder.header($0) }.colorspace, .ycbcr)
    }

    func testRGBBecomesLuma() throws {
        // Pure red, green, blue halves of known BT.601 luma: 76, 150, 29.
        var pixels = [UInt8]()
        for _ in 0..<32 { for x in 0..<48 { pixels += x < 16 ? [255, 0, 0] : (x < 32 ? [0, 255, 0] : [0, 0, 255]) } }
        let jpeg = try TestJPEG.encode(pixels, width: 48, height: 32, as: .rgb, quality: 100)
        let image = try JPEGDecoder().decode(jpeg)
        XCTAssertEqual(Double(image[4, 16]), 76, accuracy: 4)
        XCTAssertEqual(Double(image[24, 16]), 150, accuracy: 4)
        XCTAssertEqual(Double(image[44, 16]), 29, accuracy: 4)
    }

    func testCMYKBecomesGray() throws {
        // Stored CMYK values are inverted (Adobe): 255 everywhere is white, K = 0 is black.
        var pixels = [UInt8]()
        for _ in 0..<16 { for x in 0..<32 { pixels += x < 16 ? [255, 255, 255, 255] : [255, 255, 255, 0] } }
        let jpeg = try TestJPEG.encode(pixels, width: 32, height: 16, as: .cmyk, quality: 100)
        let decoder = try JPEGDecoder()
        XCTAssertEqual(try jpeg.withUnsafeBytes { try decoder.header($0) }.colorspace, .ycck)
        let image = try decoder.decode(jpeg)
        XCTAssertGreaterThanOrEqual(image[4, 8], 250)
        XCTAssertLessThanOrEqual(image[28, 8], 5)
        let small = try decoder.decode(jpeg, side: 8)
        XCTAssertEqual(small.pixels.count, 64)
    }

    func testProgressiveJPEGDecodesLikeBaseline() throws {
        let baseline = try JPEGDecoder().decode(TestJPEG.grayRamp(width: 64, height: 48), side: 32)
        let progressive = try JPEGDecoder().decode(TestJPEG.grayRamp(width: 64, height: 48, progressive: true), side: 32)
        let worst = zip(baseline.pixels, progressive.pixels).map { abs(Int($0) - Int($1)) }.max() ?? 0
        XCTAssertLessThanOrEqual(worst, 2)
    }

    func testScaledDecodeAveragesAreas() throws {
        // A 2x2 checkerboard of 0 and 254 averages to 127 at any coarser size.
        let width = 320, height = 240
        let board = (0..<(width * height)).map { i in UInt8((i % width / 2 + i / width / 2) % 2 == 0 ? 0 : 254) }
        let jpeg = try TestJPEG.encode(board, width: width, height: height, quality: 100)
        let image = try JPEGDecoder().decode(jpeg, side: 60)
        XCTAssertEqual(image.width, 60)
        let mean = image.pixels.reduce(0) { $0 + Int($1) } / image.pixels.count
        XCTAssertEqual(Double(mean), 127, accuracy: 3)
        XCTAssertLessThan(image.pixels.map { abs(Int($0) - 127) }.max() ?? 255, 12)
    }

    func testRampKeepsOrientationWhenResized() throws {
        // Left-to-right brightening ramp, downscaled by DCT scaling plus area averaging, then
        // enlarged past the source size: both must keep the ramp's direction and range.
        let width = 400, height = 300
        let ramp = (0..<(width * height)).map { UInt8($0 % width * 255 / (width - 1)) }
        let jpeg = try TestJPEG.encode(ramp, width: width, height: height, quality: 100)
        let decoder = try JPEGDecoder()
        for side in [37, 128, 500] {
            let image = try decoder.decode(jpeg, side: side)
            let row = (0..<side).map { Int(image[$0, side / 2]) }
            XCTAssertLessThan(row.first ?? 255, 10, "side \(side)")
            XCTAssertGreaterThan(row.last ?? 0, 245, "side \(side)")
            XCTAssertEqual(row, row.sorted(), "ramp must not decrease (side \(side))")
        }
    }

    func testDecodesFromData() throws {
        let jpeg = try TestJPEG.grayRamp(width: 20, height: 20)
        let image = try JPEGDecoder().decode(Data(jpeg), side: 10)
        XCTAssertEqual(image.pixels.count, 100)
    }

    // MARK: Bad input

    func testEmptyBytes() {
        XCTAssertThrowsError(try JPEGDecoder().decode([UInt8]())) { XCTAssertEqual($0 as? JPEGDecodeError, .empty) }
        XCTAssertThrowsError(try JPEGDecoder().decode(Data())) { XCTAssertEqual($0 as? JPEGDecodeError, .empty) }
    }

    func testNotAJPEG() {
        let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0]
        XCTAssertThrowsError(try JPEGDecoder().decode(png)) { error in
            XCTAssertEqual(error as? JPEGDecodeError, .notJPEG(prefix: "89 50 4e 47 0d 0a 1a 0a"))
            XCTAssertTrue("\(error)".contains("not a JPEG"))
        }
        XCTAssertThrowsError(try JPEGDecoder().decode(Array("hello world".utf8))) {
            guard case .notJPEG = $0 as? JPEGDecodeError else { return XCTFail("got \($0)") }
        }
    }

    func testTruncatedJPEG() throws {
        let jpeg = try TestJPEG.grayRamp(width: 256, height: 256)
        for cut in [jpeg.count / 2, jpeg.count - 10, 200] {
            XCTAssertThrowsError(try JPEGDecoder().decode(Array(jpeg.prefix(cut)), side: 64), "cut at \(cut)") { error in
                guard case .truncated = error as? JPEGDecodeError else { return XCTFail("cut \(cut): got \(error)") }
            }
        }
        // Only the start-of-image marker survives.
        XCTAssertThrowsError(try JPEGDecoder().decode(Array(jpeg.prefix(4)))) { error in
            guard case .truncated = error as? JPEGDecodeError else { return XCTFail("got \(error)") }
        }
    }

    func testAbsurdHeaderDimensionsAreRefusedBeforeDecoding() throws {
        var jpeg = try TestJPEG.grayRamp(width: 16, height: 16)
        // Patch the frame header (SOF0: ff c0, length, precision, height, width) to 60000 x 60000.
        guard let sof = (0..<(jpeg.count - 1)).first(where: { jpeg[$0] == 0xFF && jpeg[$0 + 1] == 0xC0 }) else {
            return XCTFail("no SOF0 marker")
        }
        jpeg[sof + 5] = 0xEA; jpeg[sof + 6] = 0x60
        jpeg[sof + 7] = 0xEA; jpeg[sof + 8] = 0x60
        XCTAssertThrowsError(try JPEGDecoder().decode(jpeg, side: 224)) { error in
            XCTAssertEqual(error as? JPEGDecodeError, .tooLarge(width: 60000, height: 60000, limit: JPEGDecoder.defaultMaxPixels))
        }
        XCTAssertThrowsError(try JPEGDecoder(maxPixels: 100).decode(TestJPEG.grayRamp(width: 16, height: 16))) { error in
            XCTAssertEqual(error as? JPEGDecodeError, .tooLarge(width: 16, height: 16, limit: 100))
        }
    }

    func testInvalidTargetSizeIsAnErrorNotACrash() throws {
        let jpeg = try TestJPEG.grayRamp(width: 16, height: 16)
        for side in [0, -3, 1 << 20] {
            XCTAssertThrowsError(try JPEGDecoder().decode(jpeg, side: side)) { error in
                XCTAssertEqual(error as? JPEGDecodeError, .invalidTargetSize(side: side, limit: JPEGDecoder.defaultMaxPixels))
            }
        }
    }

    func testGarbageAfterHeaderIsCorruptNotACrash() throws {
        var jpeg = try TestJPEG.grayRamp(width: 64, height: 64)
        // Destroy the Huffman table marker: the decoder has no table to decode with.
        guard let dht = (0..<(jpeg.count - 1)).first(where: { jpeg[$0] == 0xFF && jpeg[$0 + 1] == 0xC4 }) else {
            return XCTFail("no DHT marker")
        }
        for i in dht..<min(jpeg.count, dht + 40) { jpeg[i] = 0x00 }
        XCTAssertThrowsError(try JPEGDecoder().decode(jpeg, side: 32)) { error in
            guard let decodeError = error as? JPEGDecodeError else { return XCTFail("got \(error)") }
            switch decodeError {
            case .corrupt, .truncated: break
            default: XCTFail("got \(decodeError)")
            }
        }
    }

    func testDecoderRecoversAfterEachKindOfFailure() throws {
        let good = try TestJPEG.grayRamp(width: 48, height: 40)
        let expected = try JPEGDecoder().decode(good, side: 24)
        let decoder = try JPEGDecoder()
        let bad: [[UInt8]] = [[], Array(good.prefix(4)), Array(good.prefix(120)), Array(good.prefix(good.count / 2)), [1, 2, 3]]
        for bytes in bad {
            XCTAssertThrowsError(try decoder.decode(bytes, side: 24))
            XCTAssertEqual(try decoder.decode(good, side: 24), expected, "after a failure on \(bytes.count) bytes")
        }
    }

    func testRealOriginalMatchesTheDataSetsOwnResize() throws {
        let originals = try SharedData.folder("originals")
        let resized = try SharedData.folder("chest_xray")
        let original = originals.appendingPathComponent("train/NORMAL/IM-0238-0001.jpeg")
        let copy = resized.appendingPathComponent("train/NORMAL/IM-0238-0001.jpeg")
        let ours = try ParallelDecoding.decodeFile(original, preprocessing: ImagePreprocessing(side: 224))
        let theirs = try ParallelDecoding.decodeFile(copy, preprocessing: ImagePreprocessing(side: 224))
        let meanDifference = Double(zip(ours.pixels, theirs.pixels).reduce(0) { $0 + abs(Int($1.0) - Int($1.1)) }) / Double(224 * 224)
        // Different resampling chains (theirs went through RGB, a resize and JPEG twice), same picture.
        XCTAssertLessThan(meanDifference, 6, "mean absolute difference \(meanDifference)")
    }
}
