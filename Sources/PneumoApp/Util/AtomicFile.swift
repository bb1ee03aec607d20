import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file that could not be written, with the path and the reason.
public struct FileWriteError: Error, CustomStringConvertible, Equatable {
    /// The file that was being written.
    public let path: String
    /// What went wrong, in words.
    public let reason: String

    public var description: String { "could not write \(path): \(reason)" }
}

/// Writes whole files so that a reader sees either the old content or the new, never a part.
///
/// The data goes to a temporary file in the same directory (same file system, so the final
/// rename is atomic), is flushed to disk, and is then renamed over the destination.
public enum AtomicFile {
    /// Writes `data` to `url` atomically, creating missing parent directories.
    public static func write(_ data: Data, to url: URL) throws {
        let path = url.path
        let directory = url.deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw FileWriteError(path: path, reason: "cannot create directory \(directory.path) (\(error.localizedDescription))")
        }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw FileWriteError(path: path, reason: "a directory of that name exists; choose another output path")
        }

        let temporaryPath = directory.appendingPathComponent(
            ".\(url.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
        let descriptor = open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        guard descriptor >= 0 else {
            throw FileWriteError(path: path, reason: "cannot create temporary file \(temporaryPath): \(systemError())")
        }
        var succeeded = false
        defer { if !succeeded { unlink(temporaryPath) } }

        do {
            try writeAll(data, to: descriptor, path: path)
            guard fsync(descriptor) == 0 else {
                throw FileWriteError(path: path, reason: "cannot flush to disk: \(systemError())")
            }
        } catch {
            close(descriptor)
            throw error
        }
        guard close(descriptor) == 0 else {
            throw FileWriteError(path: path, reason: "cannot close temporary file: \(systemError())")
        }
        guard rename(temporaryPath, path) == 0 else {
            throw FileWriteError(path: path, reason: "cannot rename temporary file into place: \(systemError())")
        }
        succeeded = true
        syncDirectory(directory.path)
    }

    /// Writes `text` as UTF-8 to `url` atomically.
    public static func write(_ text: String, to url: URL) throws {
        try write(Data(text.utf8), to: url)
    }

    private static func writeAll(_ data: Data, to descriptor: Int32, path: String) throws {
        try data.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) in
            guard let base = buffer.baseAddress else { return }
            var offset = 0
            while offset < buffer.count {
                let written = Foundation.write(descriptor, base + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw FileWriteError(path: path, reason: "write failed after \(offset) of \(buffer.count) bytes: \(systemError())")
                }
                offset += written
            }
        }
    }

    /// Makes the rename itself durable; failure here loses nothing already written, so it is ignored.
    private static func syncDirectory(_ path: String) {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { return }
        _ = fsync(descriptor)
        close(descriptor)
    }

    private static func systemError() -> String { String(cString: strerror(errno)) }
}
