@testable import OpenCLKit
import XCTest

/// The layout of a repeated step's temporaries: buffers alive at the same time never share a
/// byte, and the block is no larger than the trace needs.
final class AllocationPlanTests: XCTestCase {
    /// A trace from a list of events: a positive number asks for that many bytes, a negative
    /// one frees the request with that index (-1 is request 0).
    private func trace(_ events: [Int]) -> AllocationTrace {
        var trace = AllocationTrace()
        for event in events {
            if event > 0 { _ = trace.request(bytes: event) } else { trace.free(-event - 1) }
        }
        return trace
    }

    private func assertNoSharedBytesWhileAlive(_ plan: AllocationPlan, _ trace: AllocationTrace, file: StaticString = #filePath, line: UInt = #line) {
        let entries = trace.entries
        for a in entries.indices {
            guard let slotA = plan.slots[a] else { continue }
            XCTAssertGreaterThanOrEqual(slotA.bytes, entries[a].bytes, file: file, line: line)
            XCTAssertLessThanOrEqual(slotA.offset + slotA.bytes, plan.blockBytes, file: file, line: line)
            for b in entries.indices where b > a {
                guard let slotB = plan.slots[b], AllocationPlan.overlapInTime(entries[a], entries[b]) else { continue }
                let disjoint = slotA.offset + slotA.bytes <= slotB.offset || slotB.offset + slotB.bytes <= slotA.offset
                XCTAssertTrue(disjoint, "entries \(a) and \(b) are alive together but share bytes", file: file, line: line)
            }
        }
    }

    func testBuffersAliveTogetherGetDisjointRangesAndFreedOnesAreReused() {
        // 0: 1000 bytes, 1: 500 bytes; 0 freed; 2: 800 bytes (fits where 0 was); all freed.
        let steps = trace([1000, 500, -1, 800, -2, -3])
        let plan = AllocationPlan(trace: steps, alignment: 100)
        assertNoSharedBytesWhileAlive(plan, steps)
        XCTAssertEqual(plan.blockBytes, 1500, "the 800 bytes reuse the first 1000 once they are freed")
        XCTAssertEqual(plan.slots[0]?.offset, plan.slots[2]?.offset)
    }

    func testSizesAreRoundedToTheAlignment() {
        let steps = trace([10, 10, -1, -2])
        let plan = AllocationPlan(trace: steps, alignment: 128)
        XCTAssertEqual(plan.slots.compactMap { $0?.offset }.sorted(), [0, 128])
        XCTAssertEqual(plan.blockBytes, 256)
        XCTAssertEqual(plan.requestedBytes, [10, 10])
    }

    func testBuffersThatOutliveTheRunGetNoSlot() {
        // Request 1 is never freed: a result the caller keeps.
        let steps = trace([400, 300, -1])
        let plan = AllocationPlan(trace: steps, alignment: 1)
        XCTAssertNotNil(plan.slots[0])
        XCTAssertNil(plan.slots[1])
        XCTAssertEqual(plan.blockBytes, 400)
    }

    /// Random traces shaped like a training step (a forward that saves, a backward that frees
    /// in reverse, short-lived temporaries between): never a shared byte between live buffers,
    /// and the block within a few percent of the most bytes alive at once.
    func testRandomStepsAreLaidOutSafelyAndTightly() {
        var seed: UInt64 = 7
        func next(_ bound: Int) -> Int {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            return Int((seed >> 33) % UInt64(bound))
        }
        for _ in 0..<40 {
            var events: [Int] = []
            var open: [Int] = []
            var requests = 0
            for _ in 0..<(5 + next(30)) {
                events.append(1 + next(100_000)); open.append(requests); requests += 1
                // A temporary, freed right away, now and then.
                if next(3) == 0 { events.append(1 + next(50_000)); events.append(-(requests + 1)); requests += 1 }
            }
            while let last = open.popLast() {
                events.append(-(last + 1))
                if next(2) == 0 { events.append(1 + next(80_000)); open.insert(requests, at: 0); requests += 1 }
            }
            let steps = trace(events)
            let plan = AllocationPlan(trace: steps, alignment: 64)
            assertNoSharedBytesWhileAlive(plan, steps)
            var alive = 0, mostAlive = 0
            var sizes: [Int: Int] = [:]
            for event in events {
                if event > 0 {
                    let size = AllocationPlan.rounded(event, to: 64)
                    sizes[sizes.count] = size; alive += size; mostAlive = max(mostAlive, alive)
                } else { alive -= sizes[-event - 1]! }
            }
            XCTAssertGreaterThanOrEqual(plan.blockBytes, mostAlive)
            XCTAssertLessThanOrEqual(Double(plan.blockBytes), Double(mostAlive) * 1.5, "greedy by size leaves little unused")
        }
    }
}
