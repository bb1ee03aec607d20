import CZlib
import Foundation

/// Encodes 8-bit grayscale, RGB or RGBA pixels as PNG, compressed with zlib.
///
/// Heatmaps travel in every API answer that asks for one and are mostly transparent, so
/// deflate shrinks them many times over (the stored blocks used before sent every byte).
public enum PNGEncoder {
    /// The pixel layouts the encoder writes.
    public enum ColorType: UInt8, Sendable {
        /// One byte per pixel.
        case grayscale = 0
        /// Three bytes per pixel, red, green, blue.
        case rgb = 2
        /// Four bytes per pixel, red, green, blue and opacity (not premultiplied).
        case rgba = 6

        /// Bytes per pixel.
        public var channels: Int {
            switch self {
            case .grayscale: return 1
            case .rgb: return 3
            case .rgba: return 4
            }
        }
    }

    /// The PNG bytes of a `width` x `height` image given row by row, top row first.
    public static func encode(width: Int, height: Int, pixels: [UInt8], colorType: ColorType = .grayscale) throws -> Data {
        guard width >= 1, height >= 1, width <= 1 << 24, height <= 1 << 24 else {
            throw ReportError(detail: "PNG size \(width)x\(height) is not in 1...16777216 on each side")
        }
        let rowBytes = width * colorType.channels
        guard pixels.count == rowBytes * height else {
            throw ReportError(
                detail: "a \(width)x\(height) \(colorType) image needs \(rowBytes * height) pixel bytes, got \(pixels.count)")
        }
        var raw = [UInt8]()
        raw.reserveCapacity((rowBytes + 1) * height)
        for row in 0..<height {
            raw.append(0)  // filter type None
            raw.append(contentsOf: pixels[(row * rowBytes)..<((row + 1) * rowBytes)])
        }

        var header = [UInt8]()
        header += bigEndian(UInt32(width)) + bigEndian(UInt32(height))
        header += [8, colorType.rawValue, 0, 0, 0]  // bit depth, color type, compression, filter, interlace

        var png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        png += chunk("IHDR", header)
        png += chunk("IDAT", try zlibCompressed(raw))
        png += chunk("IEND", [])
        return Data(png)
    }

    /// A zlib stream (RFC 1950) of `bytes`, deflated at zlib's default level.
    static func zlibCompressed(_ bytes: [UInt8]) throws -> [UInt8] {
        var capacity = compressBound(uLong(bytes.count))
        var output = [UInt8](repeating: 0, count: Int(capacity))
        let status = output.withUnsafeMutableBufferPointer { target in
            bytes.withUnsafeBufferPointer { source in
                compress2(target.baseAddress, &capacity, source.baseAddress, uLong(source.count), Z_DEFAULT_COMPRESSION)
            }
        }
        guard status == Z_OK else { throw ReportError(detail: "zlib could not compress the PNG data (status \(status))") }
        return Array(output.prefix(Int(capacity)))
    }

    private static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let typeBytes = Array(type.utf8)
        var crc = CRC32()
        crc.update(typeBytes)
        crc.update(data)
        return bigEndian(UInt32(data.count)) + typeBytes + data + bigEndian(crc.value)
    }

    private static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
    }
}
