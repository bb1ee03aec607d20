import Foundation
import XCTest
@testable import PneumoApp

final class PNGEncoderTests: XCTestCase {
    func testGrayscaleRoundTripThroughIndependentDecoder() throws {
        let width = 7, height = 5
        let pixels = (0..<(width * height)).map { UInt8(($0 * 37) % 256) }
        let png = try PNGEncoder.encode(width: width, height: height, pixels: pixels)
        let decoded = try StoredPNGDecoder.decode(png)
        XCTAssertEqual(decoded.width, width)
        XCTAssertEqual(decoded.height, height)
        XCTAssertEqual(decoded.colorType, 0)
        XCTAssertEqual(decoded.pixels, pixels)
        XCTAssertEqual(decoded.chunkTypes, ["IHDR", "IDAT", "IEND"])
    }

    func testLargeImageSpansSeveralDeflateBlocks() throws {
        let width = 300, height = 300  // 90,300 filtered bytes: two stored blocks
        let pixels = (0..<(width * height)).map { UInt8(truncatingIfNeeded: $0 ^ ($0 >> 8)) }
        let decoded = try StoredPNGDecoder.decode(PNGEncoder.encode(width: width, height: height, pixels: pixels))
        XCTAssertEqual(decoded.blockCount, 2)
        XCTAssertEqual(decoded.pixels, pixels)
    }

    func testRGB() throws {
        let pixels: [UInt8] = [255, 0, 0, 0, 255, 0, 0, 0, 255, 9, 9, 9]
        let decoded = try StoredPNGDecoder.decode(PNGEncoder.encode(width: 2, height: 2, pixels: pixels, colorType: .rgb))
        XCTAssertEqual(decoded.colorType, 2)
        XCTAssertEqual(decoded.pixels, pixels)
    }

    func testWrongPixelCountIsRejected() {
        assertThrows(ReportError.self, { _ = try PNGEncoder.encode(width: 4, height: 4, pixels: [UInt8](repeating: 0, count: 15)) }) {
            XCTAssertTrue($0.detail.contains("16"))
        }
        assertThrows(ReportError.self, { _ = try PNGEncoder.encode(width: 0, height: 4, pixels: []) })
    }
}

/// Reads back PNGs made of stored deflate blocks, checking every checksum on the way.
enum StoredPNGDecoder {
    struct Image {
        var width = 0, height = 0, colorType = 0, blockCount = 0
        var pixels: [UInt8] = []
        var chunkTypes: [String] = []
    }

    struct Failure: Error, CustomStringConvertible { let description: String }

    static func decode(_ data: Data) throws -> Image {
        let bytes = [UInt8](data)
        guard bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) else { throw Failure(description: "bad signature") }
        var image = Image()
        var compressed = [UInt8]()
        var position = 8
        func u32(_ at: Int) -> Int { Int(bytes[at]) << 24 | Int(bytes[at + 1]) << 16 | Int(bytes[at + 2]) << 8 | Int(bytes[at + 3]) }
        while position < bytes.count {
            let length = u32(position)
            let type = String(decoding: bytes[(position + 4)..<(position + 8)], as: UTF8.self)
            let body = Array(bytes[(position + 8)..<(position + 8 + length)])
            let storedCRC = UInt32(u32(position + 8 + length))
            guard CRC32.checksum(Array(bytes[(position + 4)..<(position + 8 + length)])) == storedCRC else {
                throw Failure(description: "CRC mismatch in \(type)")
            }
            image.chunkTypes.append(type)
            switch type {
            case "IHDR":
                image.width = Int(body[0]) << 24 | Int(body[1]) << 16 | Int(body[2]) << 8 | Int(body[3])
                image.height = Int(body[4]) << 24 | Int(body[5]) << 16 | Int(body[6]) << 8 | Int(body[7])
                guard body[8] == 8 else { throw Failure(description: "bit depth \(body[8])") }
                image.colorType = Int(body[9])
            case "IDAT":
                compressed += body
            default:
                break
            }
            position += 12 + length
        }
        guard (Int(compressed[0]) << 8 | Int(compressed[1])) % 31 == 0, compressed[0] & 0x0F == 8 else {
            throw Failure(description: "bad zlib header")
        }
        var raw = [UInt8]()
        var cursor = 2
        while true {
            let header = compressed[cursor]
            guard header >> 1 == 0 else { throw Failure(description: "not a stored block") }
            let length = Int(compressed[cursor + 1]) | Int(compressed[cursor + 2]) << 8
            let complement = Int(compressed[cursor + 3]) | Int(compressed[cursor + 4]) << 8
            guard length ^ complement == 0xFFFF else { throw Failure(description: "LEN/NLEN mismatch") }
            raw += compressed[(cursor + 5)..<(cursor + 5 + length)]
            cursor += 5 + length
            image.blockCount += 1
            if header & 1 == 1 { break }
        }
        let adler = UInt32(compressed[cursor]) << 24 | UInt32(compressed[cursor + 1]) << 16
            | UInt32(compressed[cursor + 2]) << 8 | UInt32(compressed[cursor + 3])
        guard adler == Adler32.checksum(raw), cursor + 4 == compressed.count else { throw Failure(description: "bad Adler-32 or trailing data") }
        let rowBytes = image.width * ([2: 3, 6: 4][image.colorType] ?? 1)
        guard raw.count == (rowBytes + 1) * image.height else { throw Failure(description: "wrong data size") }
        for row in 0..<image.height {
            guard raw[row * (rowBytes + 1)] == 0 else { throw Failure(description: "filter type") }
            image.pixels += raw[(row * (rowBytes + 1) + 1)..<((row + 1) * (rowBytes + 1))]
        }
        return image
    }
}
