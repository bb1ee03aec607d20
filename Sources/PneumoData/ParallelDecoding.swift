import Foundation

/// Decodes many files at once on all cores, one TurboJPEG handle per worker thread.
public enum ParallelDecoding {
    /// Decodes each file into its `side * side` slot of `output` (file i at offset
    /// `i * side * side`); returns one entry per file, nil where it worked. A failed file's
    /// slot is left zero.
    public static func decode(
        _ files: [URL], preprocessing: ImagePreprocessing, into output: UnsafeMutableBufferPointer<UInt8>,
        threads: Int = ProcessInfo.processInfo.activeProcessorCount
    ) -> [ImageLoadError?] {
        decodeEach(files, preprocessing: preprocessing, into: output, threads: threads, measure: false).map { result in
            if case let .failure(error) = result { return error }
            return nil
        }
    }

    /// Decodes like `decode` and also measures each decoded image for `ImageQualityGate`.
    public static func decodeMeasuring(
        _ files: [URL], preprocessing: ImagePreprocessing, into output: UnsafeMutableBufferPointer<UInt8>,
        threads: Int = ProcessInfo.processInfo.activeProcessorCount
    ) -> [Result<ImageQualityMeasures, ImageLoadError>] {
        decodeEach(files, preprocessing: preprocessing, into: output, threads: threads, measure: true).map { result in
            result.map { $0! }
        }
    }

    /// The shared worker loop; `measure` false skips the quality measures, which training and
    /// the decoded-image cache never read.
    private static func decodeEach(
        _ files: [URL], preprocessing: ImagePreprocessing, into output: UnsafeMutableBufferPointer<UInt8>, threads: Int,
        measure: Bool
    ) -> [Result<ImageQualityMeasures?, ImageLoadError>] {
        let side = preprocessing.side
        precondition(output.count >= files.count * side * side, "output holds fewer than \(files.count) images")
        let unset = ImageLoadError(file: URL(fileURLWithPath: "/"), reason: .unreadable("not decoded"))
        var results = [Result<ImageQualityMeasures?, ImageLoadError>](repeating: .failure(unset), count: files.count)
        let queue = WorkQueue(count: files.count, chunk: 4)
        let workers = max(1, min(threads, files.count))
        results.withUnsafeMutableBufferPointer { resultSlots in
            let slots = resultSlots  // Each index is written by exactly one worker.
            DispatchQueue.concurrentPerform(iterations: workers) { _ in
                let reader = FileBytesReader()
                let decoder: JPEGDecoder
                do {
                    decoder = try JPEGDecoder(maxPixels: preprocessing.maxPixels)
                } catch {
                    while let range = queue.next() {
                        for i in range { slots[i] = .failure(ImageLoadError(file: files[i], reason: .decode(.decoderFailure(detail: "\(error)")))) }
                    }
                    return
                }
                while let range = queue.next() {
                    for i in range {
                        let target = output.baseAddress! + i * side * side
                        do {
                            let measures = try reader.withContents(of: files[i]) { bytes -> ImageQualityMeasures? in
                                let header = try decoder.decode(bytes, side: side, into: target)
                                guard measure else { return nil }
                                return ImageQualityMeasures(
                                    header: header, fileBytes: bytes.count, decoderWarning: decoder.lastWarning,
                                    pixels: UnsafeBufferPointer(start: target, count: side * side), side: side)
                            }
                            slots[i] = .success(measures)
                        } catch let error as ImageLoadError {
                            slots[i] = .failure(error)
                            target.update(repeating: 0, count: side * side)
                        } catch let error as JPEGDecodeError {
                            slots[i] = .failure(ImageLoadError(file: files[i], reason: .decode(error)))
                            target.update(repeating: 0, count: side * side)
                        } catch {
                            slots[i] = .failure(ImageLoadError(file: files[i], reason: .unreadable("\(error)")))
                            target.update(repeating: 0, count: side * side)
                        }
                    }
                }
            }
        }
        return results
    }

    /// Decodes one file to `side` x `side`.
    public static func decodeFile(_ file: URL, preprocessing: ImagePreprocessing) throws -> GrayImage {
        var pixels = [UInt8](repeating: 0, count: preprocessing.side * preprocessing.side)
        let failure = pixels.withUnsafeMutableBufferPointer {
            decode([file], preprocessing: preprocessing, into: $0, threads: 1)[0]
        }
        if let failure { throw failure }
        return GrayImage(width: preprocessing.side, height: preprocessing.side, pixels: pixels)
    }
}

/// Hands out index ranges to worker threads.
final class WorkQueue: @unchecked Sendable {
    private let count: Int
    private let chunk: Int
    private var nextIndex = 0
    private let lock = NSLock()

    init(count: Int, chunk: Int) {
        self.count = count
        self.chunk = max(1, chunk)
    }

    func next() -> Range<Int>? {
        lock.lock(); defer { lock.unlock() }
        if nextIndex >= count { return nil }
        let range = nextIndex..<min(count, nextIndex + chunk)
        nextIndex = range.upperBound
        return range
    }
}
