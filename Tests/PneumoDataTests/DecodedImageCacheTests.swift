import Foundation
@testable import PneumoData
import XCTest

final class DecodedImageCacheTests: XCTestCase {
    private let preprocessing = ImagePreprocessing(side: 12)

    private func makeData(_ folder: TemporaryFolder) throws -> [ImageSample] {
        for i in 1...4 {
            try folder.write(try TestJPEG.grayRamp(width: 20 + i, height: 30), to: "data/train/NORMAL/IM-000\(i)-0001.jpeg")
        }
        try folder.write([0xFF, 0xD8, 0xFF, 0xE0], to: "data/train/PNEUMONIA/person1_bacteria_1.jpeg")
        try folder.write(try TestJPEG.grayRamp(width: 50, height: 50), to: "data/train/PNEUMONIA/person2_virus_2.jpeg")
        return try DatasetScanner.scanKaggle(root: folder.url.appendingPathComponent("data")).samples
    }

    private func cacheFiles(_ cache: DecodedImageCache) throws -> [URL] {
        try FileManager.default.contentsOfDirectory(at: cache.directory, includingPropertiesForKeys: nil)
    }

    func testSecondLoadIsAHitWithIdenticalPixelsAndFailures() throws {
        let folder = try TemporaryFolder()
        let samples = try makeData(folder)
        let cache = DecodedImageCache(directory: folder.url.appendingPathComponent("cache"))
        let (first, firstReport) = try ImageSetLoader.load(samples, name: "train", preprocessing: preprocessing, cache: cache)
        XCTAssertEqual(firstReport.cache, .rebuilt(reason: "no cache file yet"))
        XCTAssertEqual(first.count, 5)
        let (second, secondReport) = try ImageSetLoader.load(samples, name: "train", preprocessing: preprocessing, cache: cache)
        XCTAssertEqual(secondReport.cache, .hit)
        XCTAssertEqual(second.pixels, first.pixels)
        XCTAssertEqual(second.samples, first.samples)
        XCTAssertEqual(secondReport.failures, firstReport.failures, "skipped files are remembered by the cache")
        XCTAssertEqual(try cacheFiles(cache).count, 1, "no temporary files left behind")
        // Strict mode still refuses a cached set that had failures.
        XCTAssertThrowsError(try ImageSetLoader.load(samples, name: "train", preprocessing: preprocessing, cache: cache, strict: true))
    }

    func testChangedFileMakesTheCacheStale() throws {
        let folder = try TemporaryFolder()
        let samples = try makeData(folder)
        let cache = DecodedImageCache(directory: folder.url.appendingPathComponent("cache"))
        _ = try ImageSetLoader.load(samples, name: "train", preprocessing: preprocessing, cache: cache)
        // Same name and size, new content and modification time.
        let changed = samples[0].file
        let replacement = try TestJPEG.encode([UInt8](repeating: 200, count: 21 * 30), width: 21, height: 30)
        try Data(replacement).write(to: changed)
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: 60)], ofItemAtPath: changed.path)
        let (images, report) = try ImageSetLoader.load(samples, name: "train", preprocessing: preprocessing, cache: cache)
        guard case let .rebuilt(reason) = report.cache else { return XCTFail("got \(report.cache)") }
        XCTAssertTrue(reason.hasPrefix("stale cache"), reason)
        XCTAssertEqual(images.image(at: 0).pixels.allSatisfy { abs(Int($0) - 200) <= 2 }, true)
        XCTAssertEqual(try cacheFiles(cache).count, 1, "the stale file was replaced")
        // Other preprocessing: another cache file, no clash.
        let (_, other) = try ImageSetLoader.load(samples, name: "train", preprocessing: ImagePreprocessing(side: 8), cache: cache)
        XCTAssertEqual(other.cache, .rebuilt(reason: "no cache file yet"))
    }

    func testDamagedCacheIsDetectedAndRebuilt() throws {
        let folder = try TemporaryFolder()
        let samples = try makeData(folder)
        let cache = DecodedImageCache(directory: folder.url.appendingPathComponent("cache"))
        let (original, _) = try ImageSetLoader.load(samples, name: "train", preprocessing: preprocessing, cache: cache)
        let file = try XCTUnwrap(try cacheFiles(cache).first)
        var bytes = [UInt8](try Data(contentsOf: file))
        let intact = bytes

        bytes[bytes.count - 30] ^= 0x55  // A flipped pixel.
        try Data(bytes).write(to: file)
        var (images, report) = try ImageSetLoader.load(samples, name: "train", preprocessing: preprocessing, cache: cache)
        XCTAssertEqual(report.cache, .rebuilt(reason: "damaged cache: checksum mismatch"))
        XCTAssertEqual(images.pixels, original.pixels)

        try Data(intact.prefix(intact.count - 100)).write(to: file)  // Cut short.
        (images, report) = try ImageSetLoader.load(samples, name: "train", preprocessing: preprocessing, cache: cache)
        XCTAssertEqual(report.cache, .rebuilt(reason: "damaged cache: file ends early"))

        try Data("garbage".utf8).write(to: file)
        (images, report) = try ImageSetLoader.load(samples, name: "train", preprocessing: preprocessing, cache: cache)
        guard case let .rebuilt(reason) = report.cache else { return XCTFail("got \(report.cache)") }
        XCTAssertTrue(reason.hasPrefix("damaged cache"), reason)
        XCTAssertEqual(images.pixels, original.pixels)
        XCTAssertEqual(try ImageSetLoader.load(samples, name: "train", preprocessing: preprocessing, cache: cache).report.cache, .hit)
    }

    func testUnwritableCacheFolderStillLoads() throws {
        let folder = try TemporaryFolder()
        let samples = try makeData(folder)
        // A cache "folder" whose path runs through a regular file cannot be created.
        let blocker = try folder.write([1], to: "blocker")
        let cache = DecodedImageCache(directory: blocker.appendingPathComponent("cache"))
        let (images, report) = try ImageSetLoader.load(samples, name: "train", preprocessing: preprocessing, cache: cache)
        XCTAssertEqual(images.count, 5)
        guard case let .notCached(reason) = report.cache else { return XCTFail("got \(report.cache)") }
        XCTAssertTrue(reason.contains("cannot write"), reason)
    }

    func testReadOnlySharedDataUsesACacheElsewhere() throws {
        let root = try SharedData.folder("chest_xray")
        let samples = Array(try DatasetScanner.scanKaggle(root: root, splits: [.val]).samples)
        let folder = try TemporaryFolder()
        let cache = DecodedImageCache(directory: folder.url)
        let (cold, coldReport) = try ImageSetLoader.load(samples, name: "val", preprocessing: ImagePreprocessing(side: 32), cache: cache)
        let (warm, warmReport) = try ImageSetLoader.load(samples, name: "val", preprocessing: ImagePreprocessing(side: 32), cache: cache)
        XCTAssertEqual(coldReport.cache, .rebuilt(reason: "no cache file yet"))
        XCTAssertEqual(warmReport.cache, .hit)
        XCTAssertEqual(cold.pixels, warm.pixels)
        XCTAssertEqual(cold.count, 16)
    }

    func testDefaultDirectoryIsAUserCacheNeverTheData() {
        XCTAssertEqual(DecodedImageCache.defaultDirectory(environment: ["PNEUMO_CACHE_DIR": "/c"]).path, "/c")
        XCTAssertEqual(DecodedImageCache.defaultDirectory(environment: ["XDG_CACHE_HOME": "/x"]).path, "/x/pneumo/decoded")
        XCTAssertTrue(DecodedImageCache.defaultDirectory(environment: [:]).path.hasSuffix(".cache/pneumo/decoded"))
    }
}
