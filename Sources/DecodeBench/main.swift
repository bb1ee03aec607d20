// Measures the data pipeline for Scripts/decode_bench.sh: JPEG decode + resize throughput on
// the full-size originals, and cold vs warm decoded-cache loads of a split plus one epoch of
// batches. Prints one JSON object per measurement on standard output.
import Foundation
import PneumoData

struct Arguments {
    var originals: URL?
    var split: URL?
    var side = 224
    var rounds = 5
    var threads = ProcessInfo.processInfo.activeProcessorCount
    var batchSize = 32

    init(_ arguments: [String]) throws {
        var rest = arguments.dropFirst()
        while let flag = rest.popFirst() {
            guard let value = rest.popFirst() else { throw BenchError("\(flag) needs a value") }
            switch flag {
            case "--originals": originals = URL(fileURLWithPath: value, isDirectory: true)
            case "--split": split = URL(fileURLWithPath: value, isDirectory: true)
            case "--side": side = try number(flag, value)
            case "--rounds": rounds = try number(flag, value)
            case "--threads": threads = try number(flag, value)
            case "--batch-size": batchSize = try number(flag, value)
            default: throw BenchError("unknown option \(flag); use --originals DIR, --split DIR, --side N, --rounds N, --threads N, --batch-size N")
            }
        }
    }

    private func number(_ flag: String, _ value: String) throws -> Int {
        guard let number = Int(value), number > 0 else { throw BenchError("\(flag) needs a positive number, got \(value)") }
        return number
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

func emit(_ fields: [String: Any]) {
    if let data = try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys]) {
        print(String(decoding: data, as: UTF8.self))
    }
}

/// CPU seconds used by this process so far, all threads together.
func cpuSeconds() -> Double {
    var usage = rusage()
    #if os(Linux)
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    #else
    getrusage(RUSAGE_SELF, &usage)
    #endif
    let user = Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
    let system = Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
    return user + system
}

/// Decodes every file `rounds` times with `threads` workers; returns the best wall-clock
/// images per second and the least CPU milliseconds per image.
func decodeThroughput(_ files: [URL], side: Int, threads: Int, rounds: Int) throws -> (rate: Double, cpuMilliseconds: Double) {
    let preprocessing = ImagePreprocessing(side: side)
    var pixels = [UInt8](repeating: 0, count: files.count * side * side)
    var best = 0.0, leastCPU = Double.infinity
    for round in 0...rounds {
        let started = Date(), cpuStarted = cpuSeconds()
        let failures = pixels.withUnsafeMutableBufferPointer {
            ParallelDecoding.decode(files, preprocessing: preprocessing, into: $0, threads: threads)
        }
        let seconds = Date().timeIntervalSince(started), cpu = cpuSeconds() - cpuStarted
        if let failure = failures.compactMap({ $0 }).first { throw failure }
        if round > 0 {  // Round 0 warms the page cache.
            best = max(best, Double(files.count) / seconds)
            leastCPU = min(leastCPU, 1000 * cpu / Double(files.count))
        }
    }
    return (best, leastCPU)
}

func run() throws {
    let arguments = try Arguments(CommandLine.arguments)
    if let originals = arguments.originals {
        let files = try DatasetScanner.scanFolder(originals).samples.map(\.file)
        for threads in [1, arguments.threads] {
            let result = try decodeThroughput(files, side: arguments.side, threads: threads, rounds: arguments.rounds)
            emit(["measure": "decode", "images": files.count, "threads": threads, "side": arguments.side,
                  "images_per_second": result.rate, "cpu_ms_per_image": result.cpuMilliseconds])
        }
    }
    if let split = arguments.split {
        let samples = try DatasetScanner.scanFolder(split).samples
        let cacheFolder = FileManager.default.temporaryDirectory.appendingPathComponent("pneumo-bench-cache-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: cacheFolder) }
        let cache = DecodedImageCache(directory: cacheFolder)
        let preprocessing = ImagePreprocessing(side: arguments.side)
        _ = try ImageSetLoader.load(samples, name: "bench", preprocessing: preprocessing, cache: nil, threads: arguments.threads)  // Page cache.
        for phase in ["cold", "warm"] {
            let started = Date()
            let (images, report) = try ImageSetLoader.load(samples, name: "bench", preprocessing: preprocessing, cache: cache, threads: arguments.threads)
            let loadSeconds = Date().timeIntervalSince(started)
            let loader = try BatchLoader(images, options: BatchOptions(batchSize: arguments.batchSize, seed: 1))
            let epochStarted = Date()
            var batches = 0
            for batch in loader.batches(epoch: 0) { batches += batch.count > 0 ? 1 : 0 }
            let epochSeconds = Date().timeIntervalSince(epochStarted)
            emit(["measure": "cache", "phase": phase, "images": images.count, "side": arguments.side,
                  "load_seconds": loadSeconds, "cache": "\(report.cache)", "epoch_batches": batches,
                  "epoch_batch_seconds": epochSeconds, "total_seconds": loadSeconds + epochSeconds])
        }
    }
}

do {
    try run()
} catch {
    FileHandle.standardError.write(Data("decode bench: \(error)\n".utf8))
    exit(1)
}
