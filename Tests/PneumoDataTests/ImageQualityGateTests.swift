import Foundation
import PneumoData
import XCTest

/// Each rule of the quality gate with a file that just passes and one that just fails, where a
/// file can be made to sit on the limit, and the kinds of garbage that used to get a confident
/// verdict.
final class ImageQualityGateTests: XCTestCase {
    private let gate = ImageQualityGate.standard
    private let side = 128

    /// Uniform noise of half-width `amplitude` around mid-grey: contrast amplitude / sqrt(3).
    private func noise(width: Int, height: Int, amplitude: Int, seed: UInt64 = 7) -> [UInt8] {
        var state = seed
        return (0..<(width * height)).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let offset = Int(state >> 33) % (2 * amplitude + 1) - amplitude
            return UInt8(clamping: 128 + offset)
        }
    }

    private func rules(_ jpeg: [UInt8]) throws -> [ImageQualityGate.Rule] {
        let decoder = try JPEGDecoder()
        return gate.check(try decoder.decodeMeasured(Data(jpeg), side: side).measures).map(\.rule)
    }

    private func textured(width: Int, height: Int) throws -> [UInt8] {
        try TestJPEG.encode(noise(width: width, height: height, amplitude: 60), width: width, height: height, quality: 100)
    }

    func testMinimumSide() throws {
        XCTAssertEqual(try rules(textured(width: 128, height: 128)), [])
        XCTAssertEqual(try rules(textured(width: 127, height: 300)), [.minimumSide])
    }

    func testAspectRatio() throws {
        XCTAssertEqual(try rules(textured(width: 512, height: 128)), [], "4.0 is the widest allowed")
        XCTAssertEqual(try rules(textured(width: 520, height: 128)), [.aspectRatio])
        XCTAssertEqual(try rules(textured(width: 128, height: 520)), [.aspectRatio])
    }

    func testContrast() throws {
        // Uniform noise of half-width 18 has a standard deviation of 10.4; of 16, 9.2.
        let above = try TestJPEG.encode(noise(width: 128, height: 128, amplitude: 18), width: 128, height: 128, quality: 100)
        let below = try TestJPEG.encode(noise(width: 128, height: 128, amplitude: 16), width: 128, height: 128, quality: 100)
        XCTAssertEqual(try rules(above), [])
        XCTAssertEqual(try rules(below), [.contrast])
    }

    func testFlatShare() throws {
        // Columns of flat 8x8 blocks on the left, noise on the right: 8 of 16 columns is the limit.
        func image(flatColumns: Int) throws -> [UInt8] {
            var pixels = noise(width: 128, height: 128, amplitude: 60)
            for row in 0..<128 { for column in 0..<(flatColumns * 8) { pixels[row * 128 + column] = 40 } }
            return try TestJPEG.encode(pixels, width: 128, height: 128, quality: 100)
        }
        XCTAssertEqual(try rules(image(flatColumns: 8)), [])
        XCTAssertEqual(try rules(image(flatColumns: 9)), [.flatShare])
    }

    /// Entropy and bits per pixel cannot be set to a limit through an encoder, so their limits
    /// are checked on measures; the garbage tests below fail them with real files.
    func testEntropyAndBitsPerPixelLimits() {
        func measures(entropy: Double = 7, bytes: Int = 20_000) -> ImageQualityMeasures {
            ImageQualityMeasures(width: 400, height: 400, fileBytes: bytes, contrast: 50, entropy: entropy, flatShare: 0)
        }
        XCTAssertEqual(gate.check(measures(entropy: 4.0)).map(\.rule), [])
        XCTAssertEqual(gate.check(measures(entropy: 3.99)).map(\.rule), [.entropy])
        XCTAssertEqual(gate.check(measures(bytes: 2_000)).map(\.rule), [], "exactly 0.1 bits per pixel")
        XCTAssertEqual(gate.check(measures(bytes: 1_999)).map(\.rule), [.bitsPerPixel])
    }

    func testFindingsNameTheRuleTheValueAndTheLimit() throws {
        let finding = try XCTUnwrap(gate.check(
            ImageQualityMeasures(width: 1, height: 1, fileBytes: 300, contrast: 0, entropy: 0, flatShare: 0)).first)
        XCTAssertEqual(finding.rule, .minimumSide)
        XCTAssertEqual(finding.value, "1x1")
        XCTAssertTrue(finding.description.contains("minimum_side") && finding.description.contains(">= 128"), finding.description)
    }

    // MARK: - Garbage that used to be classified

    func testOnePixelImage() throws {
        XCTAssertTrue(try rules(textured(width: 1, height: 1)).contains(.minimumSide))
    }

    func testExtremeShape() throws {
        let found = try rules(textured(width: 10_000, height: 10))
        XCTAssertTrue(found.contains(.minimumSide) && found.contains(.aspectRatio), "\(found)")
    }

    func testZeroQuantisationTableDecodesToFlatGrey() throws {
        var jpeg = try textured(width: 256, height: 256)
        let table = try XCTUnwrap(Self.segment(0xDB, in: jpeg))
        // Precision/id byte, then 64 table entries: all zero makes every coefficient zero.
        for index in (table + 1)..<(table + 65) { jpeg[index] = 0 }
        let found = try rules(jpeg)
        XCTAssertTrue(found.contains(.contrast) && found.contains(.flatShare), "\(found)")
    }

    func testCorruptedEntropyDataDecodesWithAWarning() throws {
        var jpeg = try textured(width: 256, height: 256)
        let scan = try XCTUnwrap(Self.segment(0xDA, in: jpeg))
        let middle = (scan + jpeg.count) / 2
        // A restart marker where none belongs: libjpeg-turbo resynchronises and warns.
        jpeg[middle] = 0xFF
        jpeg[middle + 1] = 0xD3
        let decoder = try JPEGDecoder()
        let measured = try decoder.decodeMeasured(Data(jpeg), side: side)
        XCTAssertNotNil(measured.measures.decoderWarning)
        XCTAssertTrue(gate.check(measured.measures).map(\.rule).contains(.decoderWarning))
    }

    func testSmallFileClaimingALargeImageIsMostlyFiller() throws {
        var jpeg = try textured(width: 224, height: 224)
        let frame = try XCTUnwrap(Self.segment(0xC0, in: jpeg))
        // Frame header: precision, then height and width as big-endian 16-bit numbers.
        let claimed = 4000
        jpeg[frame + 1] = UInt8(claimed >> 8); jpeg[frame + 2] = UInt8(claimed & 0xFF)
        jpeg[frame + 3] = UInt8(claimed >> 8); jpeg[frame + 4] = UInt8(claimed & 0xFF)
        let decoder = try JPEGDecoder()
        do {
            let measured = try decoder.decodeMeasured(Data(jpeg), side: side)
            XCTAssertTrue(gate.check(measured.measures).map(\.rule).contains(.bitsPerPixel), "\(measured.measures)")
        } catch JPEGDecodeError.truncated {
            // Refused by the decoder outright: also no verdict.
        }
    }

    func testRealRadiographsPass() throws {
        let folder = try SharedData.folder("chest_xray/test/NORMAL")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted().prefix(20)
        let decoder = try JPEGDecoder()
        for name in names {
            let measured = try decoder.decodeMeasured(file: folder.appendingPathComponent(name), side: side)
            XCTAssertEqual(gate.check(measured.measures), [], name)
        }
    }

    /// Offset of the first byte after the length field of the first `marker` segment.
    private static func segment(_ marker: UInt8, in jpeg: [UInt8]) -> Int? {
        var index = 2
        while index + 4 <= jpeg.count, jpeg[index] == 0xFF {
            let length = Int(jpeg[index + 2]) << 8 | Int(jpeg[index + 3])
            if jpeg[index + 1] == marker { return index + 4 }
            index += 2 + length
        }
        return nil
    }
}
