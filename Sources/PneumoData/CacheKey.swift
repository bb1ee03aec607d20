#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// What a decoded-image cache must match to be trusted: the preprocessing and, per file, its
/// path, size and modification time, in order. Kept as text so a mismatch can be explained.
struct CacheKey: Equatable {
    static let formatLine = "pneumo decoded-image cache v1"
    let text: String
    /// Names the cache file: the folders involved and the preprocessing, not the file details,
    /// so a changed data set finds (and replaces) its old cache instead of piling up new ones.
    let identity: ContentHash

    init(files: [URL], preprocessing: ImagePreprocessing) {
        var lines = [CacheKey.formatLine, preprocessing.cacheIdentity, "count=\(files.count)"]
        lines.reserveCapacity(files.count + 3)
        for file in files { lines.append(CacheKey.fileLine(file)) }
        text = lines.joined(separator: "\n")
        let folders = Set(files.map { $0.deletingLastPathComponent().standardizedFileURL.path }).sorted()
        identity = ContentHash(([preprocessing.cacheIdentity] + folders).joined(separator: "\n"))
    }

    /// How this key differs from an older one, in words.
    func differences(from old: String) -> String {
        let new = text.split(separator: "\n")
        let previous = old.split(separator: "\n")
        if new.prefix(2) != previous.prefix(2) { return "the cache format or preprocessing changed" }
        let newFiles = Set(new.dropFirst(3)), oldFiles = Set(previous.dropFirst(3))
        let added = newFiles.subtracting(oldFiles).count, removed = oldFiles.subtracting(newFiles).count
        if added == 0 && removed == 0 { return "the file order changed" }
        return "\(added) file entries new or changed, \(removed) gone or changed"
    }

    private static func fileLine(_ file: URL) -> String {
        var info = stat()
        guard stat(file.path, &info) == 0 else { return "missing\t\(file.path)" }
        #if os(Linux)
        let seconds = Int(info.st_mtim.tv_sec), nanoseconds = Int(info.st_mtim.tv_nsec)
        #else
        let seconds = Int(info.st_mtimespec.tv_sec), nanoseconds = Int(info.st_mtimespec.tv_nsec)
        #endif
        return "\(info.st_size)\t\(seconds).\(nanoseconds)\t\(file.path)"
    }
}
