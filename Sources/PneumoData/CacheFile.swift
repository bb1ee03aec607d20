#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// The on-disk form of a decoded image set:
///
///     magic "PNDCACHE" | u64 key length | key text | u64 failures length | failures JSON |
///     u64 pixel length | pixels | 16-byte checksum of everything between magic and checksum
///
/// Integers are little-endian. Written to a temporary file and renamed into place.
struct CacheFile {
    static let magic = Array("PNDCACHE".utf8)

    /// A failed image remembered by its position in the key's file list.
    struct Failure: Codable, Equatable {
        let index: Int
        let reason: ImageLoadError.Reason
    }

    /// Why a cache file was not used.
    enum Rejection: Error {
        case missing
        case stale(String)
        case damaged(String)
    }

    struct Contents {
        let failures: [Failure]
        let pixels: [UInt8]
    }

    /// Reads `url` if its key equals `key` (which lists `fileCount` files) and its checksum holds.
    static func read(_ url: URL, key: CacheKey, fileCount: Int, imageBytes: Int) throws -> Contents {
        let descriptor = open(url.path, O_RDONLY)
        if descriptor < 0 {
            if errno == ENOENT { throw Rejection.missing }
            throw Rejection.damaged("cannot open: \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        let reader = DescriptorReader(descriptor: descriptor)
        guard try reader.bytes(magic.count) == magic else { throw Rejection.damaged("not a pneumo cache file") }
        let keyBytes = try reader.bytes(try reader.length(limit: 1 << 31))
        let storedKey = String(decoding: keyBytes, as: UTF8.self)
        if storedKey != key.text { throw Rejection.stale(key.differences(from: storedKey)) }
        let failureBytes = try reader.bytes(try reader.length(limit: 1 << 31))
        let failures: [Failure]
        do {
            failures = try JSONDecoder().decode([Failure].self, from: Data(failureBytes))
        } catch {
            throw Rejection.damaged("unreadable failure list")
        }
        let pixelLength = try reader.length(limit: Int.max)
        let indices = failures.map(\.index)
        guard indices.allSatisfy({ (0..<fileCount).contains($0) }), zip(indices, indices.dropFirst()).allSatisfy({ $0 < $1 }) else {
            throw Rejection.damaged("failure list does not match the file list")
        }
        guard pixelLength == (fileCount - failures.count) * imageBytes else {
            throw Rejection.damaged("holds \(pixelLength) pixel bytes, expected \((fileCount - failures.count) * imageBytes)")
        }
        var pixels = [UInt8](repeating: 0, count: pixelLength)
        _ = try pixels.withUnsafeMutableBytes { try reader.fill($0) }
        let stored = try reader.bytes(16)
        let expected = checksum(key: keyBytes, failures: failureBytes, pixels: pixels)
        guard stored == expected else { throw Rejection.damaged("checksum mismatch") }
        guard try reader.bytes(1, allowShort: true).isEmpty else { throw Rejection.damaged("extra bytes after the checksum") }
        return Contents(failures: failures, pixels: pixels)
    }

    /// Writes atomically: a temporary file beside `url`, then a rename over it.
    static func write(_ url: URL, key: CacheKey, failures: [Failure], pixels: [UInt8]) throws {
        let keyBytes = Array(key.text.utf8)
        let failureBytes = Array(try JSONEncoder().encode(failures))
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp")
        let descriptor = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        if descriptor < 0 { throw CacheWriteError(message: "cannot create \(temporary.path): \(String(cString: strerror(errno)))") }
        var renamed = false
        defer {
            close(descriptor)
            if !renamed { unlink(temporary.path) }
        }
        let writer = DescriptorWriter(descriptor: descriptor, path: temporary.path)
        try writer.write(magic)
        try writer.writeLength(keyBytes.count)
        try writer.write(keyBytes)
        try writer.writeLength(failureBytes.count)
        try writer.write(failureBytes)
        try writer.writeLength(pixels.count)
        try writer.write(pixels)
        try writer.write(checksum(key: keyBytes, failures: failureBytes, pixels: pixels))
        if fsync(descriptor) != 0 { throw writer.failure("fsync") }
        if rename(temporary.path, url.path) != 0 { throw writer.failure("rename to \(url.path)") }
        renamed = true
    }

    private static func checksum(key: [UInt8], failures: [UInt8], pixels: [UInt8]) -> [UInt8] {
        let hash = key.withUnsafeBytes { ContentHash($0) }
            .followed(by: failures.withUnsafeBytes { ContentHash($0) })
            .followed(by: pixels.withUnsafeBytes { ContentHash($0) })
        return withUnsafeBytes(of: hash.high.littleEndian) { Array($0) } + withUnsafeBytes(of: hash.low.littleEndian) { Array($0) }
    }
}

/// Sequential reads from a file descriptor; a short file is a damaged cache.
private struct DescriptorReader {
    let descriptor: Int32

    func bytes(_ count: Int, allowShort: Bool = false) throws -> [UInt8] {
        var result = [UInt8](repeating: 0, count: count)
        let got = try result.withUnsafeMutableBytes { try fill($0, allowShort: allowShort) }
        return Array(result.prefix(got))
    }

    func length(limit: Int) throws -> Int {
        let raw = try bytes(8)
        let value = raw.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        guard value <= UInt64(limit) else { throw CacheFile.Rejection.damaged("implausible length \(value)") }
        return Int(value)
    }

    @discardableResult
    func fill(_ buffer: UnsafeMutableRawBufferPointer, allowShort: Bool = false) throws -> Int {
        var filled = 0
        while filled < buffer.count {
            let got = read(descriptor, buffer.baseAddress! + filled, buffer.count - filled)
            if got < 0 {
                if errno == EINTR { continue }
                throw CacheFile.Rejection.damaged("read failed: \(String(cString: strerror(errno)))")
            }
            if got == 0 {
                if allowShort { return filled }
                throw CacheFile.Rejection.damaged("file ends early")
            }
            filled += got
        }
        return filled
    }
}

/// Sequential writes to a file descriptor with errors that name the file.
private struct DescriptorWriter {
    let descriptor: Int32
    let path: String

    func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { raw in
            var done = 0
            while done < raw.count {
                let wrote = systemWrite(descriptor, raw.baseAddress! + done, raw.count - done)
                if wrote < 0 {
                    if errno == EINTR { continue }
                    throw failure("write")
                }
                done += wrote
            }
        }
    }

    func writeLength(_ value: Int) throws {
        try write(withUnsafeBytes(of: UInt64(value).littleEndian) { Array($0) })
    }

    func failure(_ what: String) -> Error {
        CacheWriteError(message: "\(what) failed for \(path): \(String(cString: strerror(errno)))")
    }
}

/// The system's write(2), reachable from inside a type that has its own `write`.
private func systemWrite(_ descriptor: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    write(descriptor, bytes, count)
}

/// A cache file could not be written (the load goes on without it).
struct CacheWriteError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
