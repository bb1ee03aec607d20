import Foundation
import PneumoData
import XCTest

final class BatchLoaderTests: XCTestCase {
    /// `count` 2x2 images whose pixels all equal the image's index; labels from `label`.
    private func makeSet(count: Int, label: (Int) -> Int? = { $0 % 2 }) -> DecodedImageSet {
        let samples = (0..<count).map { i in
            ImageSample(file: URL(fileURLWithPath: "/d/\(i).jpeg"), split: .train, classFolder: nil, label: label(i), patientID: "p\(i)")
        }
        let pixels = (0..<count).flatMap { [UInt8](repeating: UInt8($0), count: 4) }
        return DecodedImageSet(side: 2, samples: samples, pixels: pixels)
    }

    func testLastPartialBatchAndDropLast() throws {
        let set = makeSet(count: 10)
        let loader = try BatchLoader(set, options: BatchOptions(batchSize: 4, shuffle: false))
        XCTAssertEqual(loader.batchesPerEpoch, 3)
        let batches = Array(loader.batches(epoch: 0))
        XCTAssertEqual(batches.map(\.count), [4, 4, 2])
        XCTAssertEqual(batches.flatMap(\.indices), Array(0..<10))
        XCTAssertEqual(batches[2].pixels, [UInt8](repeating: 8, count: 4) + [UInt8](repeating: 9, count: 4))
        let dropping = try BatchLoader(set, options: BatchOptions(batchSize: 4, shuffle: false, dropLast: true))
        XCTAssertEqual(Array(dropping.batches(epoch: 0)).map(\.count), [4, 4])
    }

    func testPixelsFollowTheOrderAndLabels() throws {
        let set = makeSet(count: 3)
        let loader = try BatchLoader(set, options: BatchOptions(batchSize: 3, shuffle: false))
        let batch = try XCTUnwrap(loader.batches(epoch: 0).next())
        XCTAssertEqual(batch.side, 2)
        XCTAssertEqual(batch.pixels, [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2])
        let reordered = loader.makeBatch([2, 0][...])
        XCTAssertEqual(reordered.pixels, [2, 2, 2, 2, 0, 0, 0, 0])
        XCTAssertEqual(reordered.labels, [0, 0])
        XCTAssertEqual(batch.labels, [0, 1, 0])
        XCTAssertEqual(batch.targets, [0, 1, 0])
    }

    func testShuffleIsASeededPermutationThatChangesPerEpoch() throws {
        let set = makeSet(count: 50)
        let loader = try BatchLoader(set, options: BatchOptions(batchSize: 8, seed: 7))
        let epoch0 = loader.order(epoch: 0), epoch1 = loader.order(epoch: 1)
        XCTAssertEqual(epoch0.sorted(), Array(0..<50))
        XCTAssertNotEqual(epoch0, Array(0..<50))
        XCTAssertNotEqual(epoch0, epoch1)
        XCTAssertEqual(try BatchLoader(set, options: BatchOptions(batchSize: 8, seed: 7)).order(epoch: 0), epoch0)
        XCTAssertNotEqual(try BatchLoader(set, options: BatchOptions(batchSize: 8, seed: 8)).order(epoch: 0), epoch0)
        XCTAssertEqual(Array(loader.batches(epoch: 1)).flatMap(\.indices), epoch1)
    }

    func testClassBalancedSamplingEvensOutClasses() throws {
        // 90 of class 1, 10 of class 0.
        let set = makeSet(count: 100) { $0 < 10 ? 0 : 1 }
        let loader = try BatchLoader(set, options: BatchOptions(batchSize: 10, seed: 3, classBalanced: true))
        let order = loader.order(epoch: 0)
        XCTAssertEqual(order.count, 100)
        let minority = order.filter { $0 < 10 }
        XCTAssertEqual(minority.count, 50)
        // Each minority image appears 5 times: whole cycles before repeats.
        XCTAssertEqual(Dictionary(grouping: minority, by: { $0 }).values.map(\.count).sorted(), [Int](repeating: 5, count: 10))
        XCTAssertEqual(Set(order.filter { $0 >= 10 }).count, 50, "majority images are not repeated within an epoch")
        XCTAssertThrowsError(try BatchLoader(makeSet(count: 4) { _ in nil }, options: BatchOptions(batchSize: 2, classBalanced: true)))
    }

    func testInvalidOptionsAreRefused() {
        XCTAssertThrowsError(try BatchLoader(makeSet(count: 4), options: BatchOptions(batchSize: 0)))
        XCTAssertThrowsError(try BatchLoader(makeSet(count: 4), options: BatchOptions(batchSize: 2, prefetch: 0)))
    }

    func testPrefetchRunsAheadOfTheConsumer() throws {
        let set = makeSet(count: 64)
        let loader = try BatchLoader(set, options: BatchOptions(batchSize: 8, shuffle: false, prefetch: 2))
        let batches = loader.batches(epoch: 0)
        let first = try XCTUnwrap(batches.next())
        XCTAssertEqual(first.indices, Array(0..<8))
        // While the consumer "works", the next batch gets ready: taking it is then immediate.
        Thread.sleep(forTimeInterval: 0.05)
        let started = Date()
        XCTAssertNotNil(batches.next())
        XCTAssertLessThan(Date().timeIntervalSince(started), 0.01)
        var rest = 0
        while batches.next() != nil { rest += 1 }
        XCTAssertEqual(rest, 6)
        XCTAssertNil(batches.next())
    }

    func testAbandonedEpochDoesNotHang() throws {
        let loader = try BatchLoader(makeSet(count: 100), options: BatchOptions(batchSize: 1, prefetch: 1))
        for _ in 0..<20 {
            let batches = loader.batches(epoch: 0)
            _ = batches.next()
            batches.cancel()
        }
        // Reaching here without blocking is the assertion; the producers have exited.
        XCTAssertEqual(loader.batchesPerEpoch, 100)
    }
}
