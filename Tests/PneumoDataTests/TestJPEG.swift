import CTurboJPEG
import Foundation
import PneumoData
import XCTest

/// Makes JPEG files for tests with TurboJPEG's encoder.
enum TestJPEG {
    enum Pixels {
        case gray, rgb, cmyk
        var format: TJPF {
            switch self {
            case .gray: return TJPF_GRAY
            case .rgb: return TJPF_RGB
            case .cmyk: return TJPF_CMYK
            }
        }
        var channels: Int { self == .gray ? 1 : (self == .rgb ? 3 : 4) }
    }

    /// Encodes interleaved `pixels` (`width * height * channels`).
    static func encode(_ pixels: [UInt8], width: Int, height: Int, as kind: Pixels = .gray,
                       quality: Int = 95, progressive: Bool = false) throws -> [UInt8] {
        guard let handle = tjInitCompress() else { throw XCTSkip("TurboJPEG encoder unavailable") }
        defer { tjDestroy(handle) }
        var output: UnsafeMutablePointer<UInt8>? = nil
        var size: UInt = 0
        let subsampling = kind == .gray ? TJSAMP_GRAY : TJSAMP_420
        let flags = progressive ? TJFLAG_PROGRESSIVE : 0
        let status = pixels.withUnsafeBufferPointer { buffer in
            tjCompress2(handle, buffer.baseAddress, Int32(width), 0, Int32(height), Int32(kind.format.rawValue),
                        &output, &size, Int32(subsampling.rawValue), Int32(quality), flags)
        }
        defer { tjFree(output) }
        guard status == 0, let output else {
            throw NSError(domain: "TestJPEG", code: 1, userInfo: [NSLocalizedDescriptionKey: String(cString: tjGetErrorStr2(handle))])
        }
        return Array(UnsafeBufferPointer(start: output, count: Int(size)))
    }

    /// A smooth gray test pattern: a diagonal ramp.
    static func ramp(width: Int, height: Int) -> [UInt8] {
        (0..<(width * height)).map { i in UInt8((i % width * 255 / max(1, width - 1) + i / width * 255 / max(1, height - 1)) / 2) }
    }

    /// A gray JPEG of a ramp, `width` x `height`.
    static func grayRamp(width: Int, height: Int, progressive: Bool = false) throws -> [UInt8] {
        try encode(ramp(width: width, height: height), width: width, height: height, progressive: progressive)
    }
}

/// A temporary folder removed after the test.
final class TemporaryFolder {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("pneumo-data-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit {
        // Restore permissions that tests removed, so the folder can be deleted.
        if let walker = FileManager.default.enumerator(atPath: url.path) {
            for case let path as String in walker {
                chmod(url.appendingPathComponent(path).path, 0o755)
            }
        }
        try? FileManager.default.removeItem(at: url)
    }

    /// Writes `bytes` at `path` (folders created as needed) and returns its URL.
    @discardableResult
    func write(_ bytes: [UInt8], to path: String) throws -> URL {
        let file = url.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: file)
        return file
    }

    /// Creates an empty folder at `path`.
    @discardableResult
    func folder(_ path: String) throws -> URL {
        let folder = url.appendingPathComponent(path, isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }
}

/// The shared chest X-ray data, found from this file's location; nil when absent.
enum SharedData {
    static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("shared/data", isDirectory: true)

    static func folder(_ name: String) throws -> URL {
        let url = root.appendingPathComponent(name, isDirectory: true)
        guard FileManager.default.fileExists(atPath: url.path) else { throw XCTSkip("shared data not found at \(url.path)") }
        return url
    }
}
