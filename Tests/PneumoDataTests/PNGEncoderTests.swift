@testable import PneumoData
import XCTest

final class PNGEncoderTests: XCTestCase {
    func testChecksumsMatchPublishedValues() {
        XCTAssertEqual(CRC32.checksum(Array("123456789".utf8)), 0xCBF4_3926)
        XCTAssertEqual(PNGEncoder.adler32(Array("Wikipedia".utf8)), 0x11E6_0398)
        XCTAssertEqual(CRC32.checksum(Array("IEND".utf8)), 0xAE42_6082)
    }

    func testFileStructureAndStoredPixels() throws {
        let image = GrayImage(width: 300, height: 250, pixels: (0..<75_000).map { UInt8($0 % 251) })
        let png = PNGEncoder.encode(image)
        XCTAssertEqual(Array(png.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        // Walk the chunks, checking each CRC, and collect the image data.
        var offset = 8, types: [String] = [], data: [UInt8] = []
        while offset < png.count {
            let length = png[offset..<(offset + 4)].reduce(0) { $0 << 8 | Int($1) }
            let typed = Array(png[(offset + 4)..<(offset + 8 + length)])
            let crc = png[(offset + 8 + length)..<(offset + 12 + length)].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            XCTAssertEqual(crc, CRC32.checksum(typed))
            let type = String(decoding: typed.prefix(4), as: UTF8.self)
            types.append(type)
            if type == "IHDR" { XCTAssertEqual(Array(typed[4..<17]), [0, 0, 1, 44, 0, 0, 0, 250, 8, 0, 0, 0, 0]) }
            if type == "IDAT" { data += typed.dropFirst(4) }
            offset += 12 + length
        }
        XCTAssertEqual(types, ["IHDR", "IDAT", "IEND"])
        // Unwrap the stored deflate blocks and compare with the filtered scanlines.
        var position = 2, inflated: [UInt8] = [], last = false
        while !last {
            last = data[position] & 1 == 1
            let length = Int(data[position + 1]) | Int(data[position + 2]) << 8
            inflated += data[(position + 5)..<(position + 5 + length)]
            position += 5 + length
        }
        XCTAssertEqual(inflated.count, 301 * 250)
        for y in [0, 1, 249] {
            XCTAssertEqual(inflated[y * 301], 0)
            XCTAssertEqual(Array(inflated[(y * 301 + 1)..<((y + 1) * 301)]), Array(image.pixels[(y * 300)..<((y + 1) * 300)]))
        }
        let adler = data.suffix(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        XCTAssertEqual(adler, PNGEncoder.adler32(inflated))
    }
}
