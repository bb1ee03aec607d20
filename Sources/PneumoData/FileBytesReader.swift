#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Reads whole files into one reusable buffer (one reader per thread), so decoding thousands
/// of files does not allocate per file.
final class FileBytesReader {
    /// Files larger than this are refused before reading: no X-ray JPEG comes close.
    static let maxFileBytes = 512 * 1024 * 1024

    private var buffer: [UInt8] = []

    /// Calls `body` with the file's bytes; the bytes are only valid inside `body`.
    func withContents<T>(of url: URL, _ body: (UnsafeRawBufferPointer) throws -> T) throws -> T {
        let descriptor = open(url.path, O_RDONLY)
        if descriptor < 0 { throw unreadable(url, errno) }
        defer { close(descriptor) }
        var info = stat()
        if fstat(descriptor, &info) != 0 { throw unreadable(url, errno) }
        if (info.st_mode & S_IFMT) == S_IFDIR { throw ImageLoadError(file: url, reason: .unreadable("it is a directory")) }
        let size = Int(info.st_size)
        if size > FileBytesReader.maxFileBytes {
            throw ImageLoadError(file: url, reason: .unreadable("\(size) bytes is more than the \(FileBytesReader.maxFileBytes)-byte limit for an image file"))
        }
        if buffer.count < size { buffer = [UInt8](repeating: 0, count: size) }
        var filled = 0
        try buffer.withUnsafeMutableBytes { raw in
            while filled < size {
                let got = read(descriptor, raw.baseAddress! + filled, size - filled)
                if got < 0 {
                    if errno == EINTR { continue }
                    throw unreadable(url, errno)
                }
                if got == 0 { break }  // The file shrank while we read it: decode what is there.
                filled += got
            }
        }
        return try buffer.withUnsafeBytes { raw in try body(UnsafeRawBufferPointer(rebasing: raw[0..<filled])) }
    }

    private func unreadable(_ url: URL, _ code: Int32) -> ImageLoadError {
        ImageLoadError(file: url, reason: .unreadable(String(cString: strerror(code))))
    }
}
