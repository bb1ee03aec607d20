import Foundation

/// A folder of decoded-image caches: one file per image set, named after the set's folders
/// and preprocessing, checked against the files' sizes and modification times on every use.
public struct DecodedImageCache: Sendable {
    public let directory: URL

    /// Caches in `directory` (created when first needed).
    public init(directory: URL) { self.directory = directory }

    /// `$PNEUMO_CACHE_DIR`, else `$XDG_CACHE_HOME/pneumo/decoded`, else `~/.cache/pneumo/decoded`:
    /// a user folder, never the data folder, which may be read-only or shared.
    public static func defaultDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        if let explicit = environment["PNEUMO_CACHE_DIR"], !explicit.isEmpty {
            return URL(fileURLWithPath: explicit, isDirectory: true)
        }
        let base: URL
        if let xdg = environment["XDG_CACHE_HOME"], !xdg.isEmpty {
            base = URL(fileURLWithPath: xdg, isDirectory: true)
        } else {
            base = FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache", isDirectory: true)
        }
        return base.appendingPathComponent("pneumo/decoded", isDirectory: true)
    }

    /// The cache file for `name` (e.g. "train") with this key.
    func file(name: String, key: CacheKey, side: Int) -> URL {
        let safeName = String(name.map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "_" })
        return directory.appendingPathComponent("\(safeName)-\(side)px-\(String(key.identity.description.prefix(16))).pndcache")
    }

    /// Makes sure the folder exists; throws with the reason when it cannot be created.
    func prepare() throws {
        try checkUsable()
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw DataError.unusableCache(directory, "it cannot be created (\((error as NSError).localizedDescription))")
        }
    }

    /// Throws when the cache path, or a folder above it, is a file: checked before any decoding
    /// so the mistake is named at once rather than as a failed write at the end.
    public func checkUsable() throws {
        let target = directory.standardizedFileURL
        var path = target
        while path.path != "/" {
            let kind = LocalFileSystem().kind(of: path)
            switch kind {
            case .directory: return
            case .missing: path = path.deletingLastPathComponent()
            case .regular, .special:
                throw DataError.unusableCache(directory, path == target ? "it is a file, not a folder" : "\(path.path) above it is a file, not a folder")
            case .brokenLink, .linkLoop, .unreadable:
                throw DataError.unusableCache(directory, "\(path.path): \(kind.problem ?? "cannot be used")")
            }
        }
    }
}
