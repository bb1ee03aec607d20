import ArgumentParser
import Foundation

/// `--cache-dir` and `--no-cache`, shared by every command that decodes the data set.
struct CacheOptions: ParsableArguments {
    @Option(help: "Folder for the decoded-image cache (default: $PNEUMO_CACHE_DIR or ~/.cache/pneumo/decoded).")
    var cacheDir: String?

    @Flag(help: "Decode every image without reading or writing the cache.")
    var noCache = false

    /// The cache folder given, nil for the default one.
    var directory: URL? { cacheDir.map { URL(fileURLWithPath: $0, isDirectory: true) } }

    /// False when every image is to be decoded afresh.
    var useCache: Bool { !noCache }
}
