/// Writes 8-bit grayscale PNG files, small enough to embed in HTML reports. The image data
/// goes into uncompressed ("stored") deflate blocks: valid PNG, no compression code needed.
public enum PNGEncoder {
    /// The PNG file bytes for `image`.
    public static func encode(_ image: GrayImage) -> [UInt8] {
        var png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        var header = bigEndian(UInt32(image.width)) + bigEndian(UInt32(image.height))
        header += [8, 0, 0, 0, 0]  // 8-bit depth, grayscale, deflate, adaptive filtering, no interlace.
        appendChunk("IHDR", header, to: &png)
        appendChunk("IDAT", zlibStored(scanlines(image)), to: &png)
        appendChunk("IEND", [], to: &png)
        return png
    }

    /// Each row prefixed with filter type 0 (none).
    private static func scanlines(_ image: GrayImage) -> [UInt8] {
        var data = [UInt8]()
        data.reserveCapacity((image.width + 1) * image.height)
        for y in 0..<image.height {
            data.append(0)
            data += image.pixels[(y * image.width)..<((y + 1) * image.width)]
        }
        return data
    }

    /// A zlib stream of stored deflate blocks (at most 65,535 bytes each) with its Adler-32.
    private static func zlibStored(_ data: [UInt8]) -> [UInt8] {
        var stream: [UInt8] = [0x78, 0x01]
        var offset = 0
        repeat {
            let length = min(65_535, data.count - offset)
            let last: UInt8 = offset + length == data.count ? 1 : 0
            let size = UInt16(length)
            stream += [last, UInt8(size & 0xFF), UInt8(size >> 8), UInt8(~size & 0xFF), UInt8(~size >> 8)]
            stream += data[offset..<(offset + length)]
            offset += length
        } while offset < data.count
        return stream + bigEndian(adler32(data))
    }

    private static func appendChunk(_ type: String, _ body: [UInt8], to png: inout [UInt8]) {
        let typed = Array(type.utf8) + body
        png += bigEndian(UInt32(body.count)) + typed + bigEndian(CRC32.checksum(typed))
    }

    private static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
    }

    static func adler32(_ data: [UInt8]) -> UInt32 {
        var a: UInt32 = 1, b: UInt32 = 0
        // 5552 is the longest run before the sums can overflow 32 bits.
        var index = 0
        while index < data.count {
            let end = min(data.count, index + 5552)
            for i in index..<end {
                a += UInt32(data[i])
                b += a
            }
            a %= 65_521
            b %= 65_521
            index = end
        }
        return b << 16 | a
    }
}

/// CRC-32 as PNG and zlib use it (polynomial 0xEDB88320, reflected).
enum CRC32 {
    private static let table: [UInt32] = (0..<256).map { n in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 == 1 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    static func checksum(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }
}
