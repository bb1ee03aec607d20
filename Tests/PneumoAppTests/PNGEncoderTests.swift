import CZlib
import Foundation
import XCTest
@testable import PneumoApp

final class PNGEncoderTests: XCTestCase {
    func testGrayscaleRoundTripThroughIndependentDecoder() throws {
        let width = 7, height = 5
        let pixels = (0..<(width * height)).map { UInt8(($0 * 37) % 256) }
        let png = try PNGEncoder.encode(width: width, height: height, pixels: pixels)
        let decoded = try PNGTestDecoder.decode(png)
        XCTAssertEqual(decoded.width, width)
        XCTAssertEqual(decoded.height, height)
        XCTAssertEqual(decoded.colorType, 0)
        XCTAssertEqual(decoded.pixels, pixels)
        XCTAssertEqual(decoded.chunkTypes, ["IHDR", "IDAT", "IEND"])
    }

    func testLargeImageRoundTripsAndFlatImagesCompress() throws {
        let width = 300, height = 300
        let pixels = (0..<(width * height)).map { UInt8(truncatingIfNeeded: $0 ^ ($0 >> 8)) }
        let decoded = try PNGTestDecoder.decode(PNGEncoder.encode(width: width, height: height, pixels: pixels))
        XCTAssertEqual(decoded.pixels, pixels)
        // A mostly transparent heatmap, as the API sends: deflate must shrink it many times over.
        var rgba = [UInt8](repeating: 0, count: width * height * 4)
        for index in stride(from: 0, to: 40 * width * 4, by: 4) { rgba[index] = 200; rgba[index + 3] = 128 }
        let heatmap = try PNGTestDecoder.decode(PNGEncoder.encode(width: width, height: height, pixels: rgba, colorType: .rgba))
        XCTAssertEqual(heatmap.pixels, rgba)
        XCTAssertLessThan(heatmap.compressedBytes * 50, rgba.count, "\(heatmap.compressedBytes) bytes for \(rgba.count) pixel bytes")
    }

    func testRGB() throws {
        let pixels: [UInt8] = [255, 0, 0, 0, 255, 0, 0, 0, 255, 9, 9, 9]
        let decoded = try PNGTestDecoder.decode(PNGEncoder.encode(width: 2, height: 2, pixels: pixels, colorType: .rgb))
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

/// Reads back PNGs, checking every chunk CRC, the zlib trailer and the row filters on the way.
enum PNGTestDecoder {
    struct Image {
        var width = 0, height = 0, colorType = 0, compressedBytes = 0
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
        // Inflated by zlib itself, a decoder independent of the encoder's framing; the trailer
        // is checked by hand as well.
        var raw = [UInt8](repeating: 0, count: 64 << 20)
        var rawCount = uLongf(raw.count)
        let status = raw.withUnsafeMutableBufferPointer { target in
            compressed.withUnsafeBufferPointer { uncompress(target.baseAddress, &rawCount, $0.baseAddress, uLong($0.count)) }
        }
        guard status == Z_OK else { throw Failure(description: "zlib cannot inflate the image data (status \(status))") }
        raw = Array(raw.prefix(Int(rawCount)))
        let tail = compressed.suffix(4).map(UInt32.init)
        guard tail[tail.startIndex] << 24 | tail[tail.startIndex + 1] << 16 | tail[tail.startIndex + 2] << 8 | tail[tail.startIndex + 3]
            == Adler32.checksum(raw) else { throw Failure(description: "bad Adler-32") }
        image.compressedBytes = compressed.count
        let rowBytes = image.width * ([2: 3, 6: 4][image.colorType] ?? 1)
        guard raw.count == (rowBytes + 1) * image.height else { throw Failure(description: "wrong data size") }
        for row in 0..<image.height {
            guard raw[row * (rowBytes + 1)] == 0 else { throw Failure(description: "filter type") }
            image.pixels += raw[(row * (rowBytes + 1) + 1)..<((row + 1) * (rowBytes + 1))]
        }
        return image
    }
}
