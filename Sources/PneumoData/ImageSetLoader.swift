import Foundation

/// Turns samples into a `DecodedImageSet`: from the cache when it matches, else by decoding
/// on all cores and writing the cache for next time.
public enum ImageSetLoader {
    /// Loads `samples` resized per `preprocessing`. Undecodable images are skipped and listed
    /// in the report, or fatal when `strict`. `name` labels the cache file (e.g. "train");
    /// `cache` nil decodes every time.
    public static func load(
        _ samples: [ImageSample], name: String, preprocessing: ImagePreprocessing,
        cache: DecodedImageCache?, strict: Bool = false,
        threads: Int = ProcessInfo.processInfo.activeProcessorCount
    ) throws -> (images: DecodedImageSet, report: LoadReport) {
        guard preprocessing.side > 0 else { throw DataError.invalidOption("image side \(preprocessing.side) must be positive") }
        let started = Date()
        let files = samples.map(\.file)
        let key = CacheKey(files: files, preprocessing: preprocessing)
        let imageBytes = preprocessing.side * preprocessing.side
        var reason = "no cache configured"
        var cacheFile: URL?
        if let cache {
            let url = cache.file(name: name, key: key, side: preprocessing.side)
            cacheFile = url
            do {
                let contents = try CacheFile.read(url, key: key, fileCount: files.count, imageBytes: imageBytes)
                let failures = contents.failures.map { ImageLoadError(file: files[$0.index], reason: $0.reason) }
                if strict && !failures.isEmpty { throw DataError.strictDecode(failures) }
                return assemble(samples, failed: contents.failures.map(\.index), pixels: contents.pixels,
                                failures: failures, side: preprocessing.side, outcome: .hit, started: started)
            } catch let rejection as CacheFile.Rejection {
                switch rejection {
                case .missing: reason = "no cache file yet"
                case let .stale(why): reason = "stale cache: \(why)"
                case let .damaged(why): reason = "damaged cache: \(why)"
                }
            }
        }

        var all = [UInt8](repeating: 0, count: samples.count * imageBytes)
        let results = all.withUnsafeMutableBufferPointer {
            ParallelDecoding.decode(files, preprocessing: preprocessing, into: $0, threads: threads)
        }
        let failedIndices = results.indices.filter { results[$0] != nil }
        let failures = failedIndices.compactMap { results[$0] }
        if strict && !failures.isEmpty { throw DataError.strictDecode(failures) }
        let pixels = failedIndices.isEmpty ? all : compact(all, removing: failedIndices, imageBytes: imageBytes)

        var outcome = CacheOutcome.notCached(reason: reason)
        if let cache, let cacheFile {
            do {
                try cache.prepare()
                try CacheFile.write(cacheFile, key: key,
                                    failures: zip(failedIndices, failures).map { CacheFile.Failure(index: $0, reason: $1.reason) },
                                    pixels: pixels)
                outcome = .rebuilt(reason: reason)
            } catch {
                outcome = .notCached(reason: "cannot write \(cacheFile.path): \(error)")
            }
        }
        return assemble(samples, failed: failedIndices, pixels: pixels, failures: failures,
                        side: preprocessing.side, outcome: outcome, started: started)
    }

    private static func compact(_ all: [UInt8], removing failed: [Int], imageBytes: Int) -> [UInt8] {
        let skip = Set(failed)
        var kept = [UInt8]()
        kept.reserveCapacity(all.count - failed.count * imageBytes)
        for index in 0..<(all.count / imageBytes) where !skip.contains(index) {
            kept += all[(index * imageBytes)..<((index + 1) * imageBytes)]
        }
        return kept
    }

    private static func assemble(
        _ samples: [ImageSample], failed: [Int], pixels: [UInt8], failures: [ImageLoadError], side: Int,
        outcome: CacheOutcome, started: Date
    ) -> (images: DecodedImageSet, report: LoadReport) {
        let skip = Set(failed)
        let kept = samples.indices.filter { !skip.contains($0) }.map { samples[$0] }
        let images = DecodedImageSet(side: side, samples: kept, pixels: pixels)
        let report = LoadReport(requested: samples.count, loaded: kept.count, failures: failures, cache: outcome,
                                seconds: Date().timeIntervalSince(started))
        return (images, report)
    }
}
