#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// The file-system questions a folder walk asks; a seam so that failures the running user
/// cannot cause (an unreadable folder when running as root) can still be exercised.
public protocol FileSystemProbe: Sendable {
    /// What `url` is, following symbolic links.
    func kind(of url: URL) -> FileKind
    /// The names in `folder`, sorted, without `.` and `..`; throws `DataError.unreadableDirectory`.
    func entries(of folder: URL) throws -> [String]
}

/// The real file system, asked through `stat` and `opendir` so that nothing is ever opened
/// for reading (a named pipe would block the open).
public struct LocalFileSystem: FileSystemProbe {
    public init() {}

    public func kind(of url: URL) -> FileKind {
        var info = stat()
        if stat(url.path, &info) == 0 { return Self.kind(of: info) }
        let failure = errno
        var linkInfo = stat()
        let isLink = lstat(url.path, &linkInfo) == 0 && (linkInfo.st_mode & S_IFMT) == S_IFLNK
        switch failure {
        case ELOOP: return .linkLoop
        case ENOENT, ENOTDIR: return isLink ? .brokenLink : .missing
        default: return .unreadable(String(cString: strerror(failure)))
        }
    }

    public func entries(of folder: URL) throws -> [String] {
        guard let stream = opendir(folder.path) else {
            throw DataError.unreadableDirectory(folder, String(cString: strerror(errno)))
        }
        defer { closedir(stream) }
        var names: [String] = []
        errno = 0
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        if errno != 0 { throw DataError.unreadableDirectory(folder, String(cString: strerror(errno))) }
        return names.sorted()
    }

    private static func kind(of info: stat) -> FileKind {
        switch info.st_mode & S_IFMT {
        case S_IFREG: return .regular
        case S_IFDIR: return .directory(FolderIdentity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino)))
        case S_IFIFO: return .special("named pipe")
        case S_IFSOCK: return .special("socket")
        case S_IFCHR: return .special("character device")
        case S_IFBLK: return .special("block device")
        default: return .special("unknown file type")
        }
    }
}
