import Foundation
import PneumoData
import XCTest

/// Processes that share one batch order each take their own slice of every batch.
final class BatchSliceTests: XCTestCase {
    private func makeSet(count: Int) -> DecodedImageSet {
        let samples = (0..<count).map { i in
            ImageSample(file: URL(fileURLWithPath: "/d/\(i).jpeg"), split: .train, classFolder: nil, label: i % 2, patientID: "p\(i)")
        }
        return DecodedImageSet(side: 2, samples: samples, pixels: (0..<count).flatMap { [UInt8](repeating: UInt8($0), count: 4) })
    }

    func testSlicesOfEveryBatchTogetherAreTheWholeBatchInOrder() throws {
        let loader = try BatchLoader(makeSet(count: 26), options: BatchOptions(batchSize: 6, shuffle: true, seed: 5, dropLast: true))
        let whole = Array(loader.batches(epoch: 2)).map(\.indices)
        let parts = (0..<3).map { part in Array(loader.batches(epoch: 2, part: part, of: 3)).map(\.indices) }
        XCTAssertEqual(whole.count, 4)
        for (index, batch) in whole.enumerated() {
            XCTAssertEqual(parts.map { $0[index].count }, [2, 2, 2])
            XCTAssertEqual(parts.flatMap { $0[index] }, batch, "batch \(index)")
        }
        // Pixels follow the indices: slice 1 of batch 0 holds images whole[0][2] and whole[0][3].
        let first = try XCTUnwrap(Array(loader.batches(epoch: 2, part: 1, of: 3)).first)
        XCTAssertEqual(first.pixels[0], UInt8(whole[0][2]))
        XCTAssertEqual(first.pixels[4], UInt8(whole[0][3]))
    }
}
