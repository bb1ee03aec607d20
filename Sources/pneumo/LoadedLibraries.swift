import Foundation

/// The shared libraries mapped into this process, for naming the ones a build links.
enum LoadedLibraries {
    /// The path of the first mapped library whose file name starts with `prefix`
    /// (e.g. `libturbojpeg`); nil when none is, or when the map cannot be read (not Linux).
    static func path(startingWith prefix: String, mapsFile: String = "/proc/self/maps") -> String? {
        // Read to the end rather than by the size `stat` gives, which is 0 for files under /proc.
        guard let handle = FileHandle(forReadingAtPath: mapsFile) else { return nil }
        defer { try? handle.close() }
        guard let data = try? handle.readToEnd() else { return nil }
        let maps = String(decoding: data, as: UTF8.self)
        for line in maps.split(separator: "\n") {
            // The path is the sixth column and may hold spaces, so take everything from the first '/'.
            guard let slash = line.firstIndex(of: "/") else { continue }
            let path = String(line[slash...])
            if URL(fileURLWithPath: path).lastPathComponent.hasPrefix(prefix) { return path }
        }
        return nil
    }
}
