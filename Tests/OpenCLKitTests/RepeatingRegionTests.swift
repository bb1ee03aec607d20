import OpenCLKit
import XCTest

/// Repeated work under the `.planned` policy: from the third run on its temporaries come from
/// one planned block, the footprint stops at what the run holds at once, and no buffer in use
/// is ever handed out again, whatever the work does differently.
final class RepeatingRegionTests: XCTestCase {
    private func plannedContext() throws -> ComputeContext {
        let context = try ComputeContext(device: try DeviceSelector.choose(flag: "cpu").device)
        context.bufferPoolPolicy = .planned
        return context
    }

    /// A step shaped like a training one: three buffers saved, a temporary in between, freed in
    /// reverse; returns the sum it computed on the host from what it read back.
    @discardableResult
    private func step(_ context: ComputeContext, key: String = "step", scale: Float) throws -> Float {
        try context.repeating(key) {
            var saved: [DeviceBuffer<Float>] = []
            for (index, count) in [3072, 2048, 1024].enumerated() {
                let buffer = try DeviceBuffer<Float>(context, [Float](repeating: scale * Float(index + 1), count: count))
                do { _ = try DeviceBuffer<Float>(context, count: 4096) }
                saved.append(buffer)
            }
            var sum: Float = 0
            while let buffer = saved.popLast() { sum += try buffer.read().reduce(0, +) }
            return sum
        }
    }

    func testThirdRunTakesItsTemporariesFromThePlanAndTheFootprintStops() throws {
        let context = try plannedContext()
        for run in 0..<6 {
            XCTAssertEqual(try step(context, scale: Float(run)), Float(run) * (3072 + 4096 + 3072), "run \(run)")
        }
        XCTAssertEqual(context.plannedRuns, 4, "runs 1 and 2 record alike, so runs 3-6 take every buffer from the plan")
        let footprint = context.allocatedBytes
        XCTAssertEqual(footprint, 4 * (3072 + 2048 + 1024 + 4096), "the block holds the most the step holds at once")
        for run in 0..<3 { try step(context, scale: Float(run)) }
        XCTAssertEqual(context.allocatedBytes, footprint)
        XCTAssertEqual(context.liveBytes, 0)
    }

    func testOtherPoliciesPlanNothing() throws {
        for policy in [BufferPoolPolicy.keepIdle, .lean] {
            let context = try ComputeContext(device: try DeviceSelector.choose(flag: "cpu").device)
            context.bufferPoolPolicy = policy
            for run in 0..<4 { try step(context, scale: Float(run)) }
            XCTAssertEqual(context.plannedRuns, 0, "\(policy)")
        }
    }

    /// A buffer kept beyond its run (the plan had it freed inside) must not be overwritten
    /// by the next run's buffers that the plan puts in the same bytes.
    func testABufferKeptBeyondItsRunIsNeverHandedOutAgain() throws {
        let context = try plannedContext()
        for run in 0..<3 { try step(context, scale: Float(run)) }
        let kept = try context.repeating("step") { () -> DeviceBuffer<Float> in
            let first = try DeviceBuffer<Float>(context, [Float](repeating: 7, count: 3072))
            return first
        }
        // The next run asks for the same sizes; the slot of the kept buffer is busy.
        XCTAssertEqual(try step(context, scale: 100), 100 * 10_240)
        XCTAssertTrue(try kept.read().allSatisfy { $0 == 7 }, "the kept buffer's bytes were not reused")
        XCTAssertGreaterThanOrEqual(context.plannedRuns, 1)
    }

    /// Two regions share one block (runs do not nest), and a differing run never corrupts data.
    func testRegionsShareOneBlockAndDifferentRunsStayCorrect() throws {
        let context = try plannedContext()
        for run in 0..<3 { try step(context, key: "a", scale: Float(run)) }
        let afterFirst = context.allocatedBytes
        for run in 0..<3 {
            let sum = try context.repeating("b") { () -> Float in
                let small = try DeviceBuffer<Float>(context, [Float](repeating: Float(run), count: 500))
                return try small.read().reduce(0, +)
            }
            XCTAssertEqual(sum, Float(run) * 500)
        }
        XCTAssertEqual(context.allocatedBytes, afterFirst, "the smaller plan fits the block the larger one made")
        // A run of "a" that allocates other sizes: served by the pool, values still right.
        let sum = try context.repeating("a") { () -> Float in
            let odd = try DeviceBuffer<Float>(context, [Float](repeating: 2, count: 1234))
            return try odd.read().reduce(0, +)
        }
        XCTAssertEqual(sum, 2468)
        XCTAssertEqual(try step(context, key: "a", scale: 3), 30_720)
    }

    /// Regions that take turns (ensemble members on one batch, a training step and an epoch's
    /// shorter last batch) each plan from their own previous run and share the block.
    func testAlternatingRegionsEachKeepTheirPlan() throws {
        let context = try plannedContext()
        for run in 0..<5 {
            XCTAssertEqual(try step(context, key: "a", scale: Float(run)), Float(run) * 10_240)
            let sum = try context.repeating("b") { () -> Float in
                let small = try DeviceBuffer<Float>(context, [Float](repeating: Float(run), count: 512))
                do { _ = try DeviceBuffer<Float>(context, count: 256) }
                return try small.read().reduce(0, +)
            }
            XCTAssertEqual(sum, Float(run) * 512)
        }
        XCTAssertEqual(context.plannedRuns, 6, "runs 3 to 5 of each region take every buffer from its plan")
        XCTAssertEqual(context.allocatedBytes, 4 * (3072 + 2048 + 1024 + 4096), "one block, sized for the larger plan")
    }

    func testAllocationsFromAnotherThreadAreLeftToThePool() throws {
        let context = try plannedContext()
        for run in 0..<3 { try step(context, scale: Float(run)) }
        let planned = context.plannedRuns
        try context.repeating("step") {
            // A loader thread uploads a batch while the run is open.
            let loaded = LoadedValues()
            let done = DispatchSemaphore(value: 0)
            DispatchQueue.global().async {
                loaded.values = (try? DeviceBuffer<Float>(context, [Float](repeating: 5, count: 3000)).read()) ?? []
                done.signal()
            }
            done.wait()
            XCTAssertEqual(loaded.values, [Float](repeating: 5, count: 3000))
            for (index, count) in [3072, 2048, 1024].enumerated() {
                let buffer = try DeviceBuffer<Float>(context, [Float](repeating: Float(index), count: count))
                do { _ = try DeviceBuffer<Float>(context, count: 4096) }
                XCTAssertEqual(try buffer.read().first, Float(index))
            }
        }
        XCTAssertEqual(context.plannedRuns, planned + 1, "the loader's allocation did not shift the run off its plan")
    }

    func testARunThatThrowsPlansNothing() throws {
        struct Failure: Error {}
        let context = try plannedContext()
        for _ in 0..<3 {
            XCTAssertThrowsError(try context.repeating("step") {
                _ = try DeviceBuffer<Float>(context, count: 100)
                throw Failure()
            })
        }
        XCTAssertEqual(context.plannedRuns, 0)
        try step(context, scale: 1)
        try step(context, scale: 1)
        XCTAssertEqual(try step(context, scale: 2), 2 * 10_240)
        XCTAssertEqual(context.plannedRuns, 1, "the thrown runs left nothing behind that stops planning afterwards")
    }
}

private final class LoadedValues: @unchecked Sendable {
    var values: [Float] = []
}
