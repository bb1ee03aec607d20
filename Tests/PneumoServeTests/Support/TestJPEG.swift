import CTurboJPEG
import Foundation
import XCTest
@testable import PneumoServe

/// JPEGs of every colour model, made with TurboJPEG's encoder.
enum TestJPEG {
    enum Kind {
        case gray, rgb, ycck
        /// CMYK stored as is (Adobe transform 0), as some scanners and PACS exports write it.
        case cmyk
    }

    /// A `width` x `height` JPEG of a smooth pattern.
    static func make(_ kind: Kind, width: Int = 40, height: Int = 32, progressive: Bool = false) throws -> [UInt8] {
        guard let handle = tjInitCompress() else { throw XCTSkip("TurboJPEG encoder unavailable") }
        defer { tjDestroy(handle) }
        let channels = kind == .gray ? 1 : (kind == .rgb ? 3 : 4)
        let pixels = (0..<(width * height * channels)).map { i in UInt8((i / channels % width * 5 + i / channels / width * 3 + i % channels * 40) % 256) }
        let format = kind == .gray ? TJPF_GRAY : (kind == .rgb ? TJPF_RGB : TJPF_CMYK)
        let subsampling = kind == .gray ? TJSAMP_GRAY : TJSAMP_420
        var output: UnsafeMutablePointer<UInt8>? = nil
        var size: UInt = 0
        let status = tjCompress2(
            handle, pixels, Int32(width), 0, Int32(height), Int32(format.rawValue), &output, &size,
            Int32(subsampling.rawValue), 90, progressive ? TJFLAG_PROGRESSIVE : 0)
        defer { tjFree(output) }
        guard status == 0, let output else { throw XCTSkip("TurboJPEG could not encode: \(String(cString: tjGetErrorStr2(handle)))") }
        var bytes = Array(UnsafeBufferPointer(start: output, count: Int(size)))
        if kind == .cmyk {
            // TurboJPEG writes CMYK as YCCK (Adobe transform 2); transform 0 says plain CMYK.
            guard let adobe = bytes.firstRange(of: [0xFF, 0xEE], from: 2), bytes.count > adobe.lowerBound + 15,
                  bytes[adobe.lowerBound + 4..<adobe.lowerBound + 9].elementsEqual(Array("Adobe".utf8))
            else { throw XCTSkip("no Adobe marker in TurboJPEG's CMYK output") }
            bytes[adobe.lowerBound + 15] = 0
        }
        return bytes
    }
}
