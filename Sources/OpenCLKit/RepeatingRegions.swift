import COpenCL
import Foundation

/// Plans the temporaries of repeated work (a training step of one batch shape) into one block.
///
/// Each run of a region records its allocations. When a run records the same trace as the
/// region's run before it, the allocations freed within the run get fixed places
/// (`AllocationPlan`), and later runs take their buffers from there: no allocation, no pool
/// lookup, and a footprint close to the most the step ever holds at once instead of the pool's
/// sum of sizes.
///
/// Every plan shares one block of device memory, as large as the largest plan: runs do not
/// nest, so a training step, an epoch's last and shorter batch and a validation batch never
/// need their temporaries at once, and regions that alternate (ensemble members) each keep
/// their plan at no cost in device memory.
///
/// Nothing here trusts a plan to be right. A slot is handed out only when its size is the one
/// asked for and no buffer in use overlaps its bytes (one kept from an earlier run, or from
/// another region's plan); anything else falls back to the pool, and the differing run is
/// recorded so a new plan can replace the old.
///
/// Only requests from the thread that opened the run count, so a loader thread allocating at
/// the same time neither shifts the trace nor gets a slot. All methods run under the pool's lock.
final class RepeatingRegions {
    /// Device memory the plans place their slots in, with the sub-buffers carved from it.
    final class Block {
        let memory: cl_mem
        let bytes: Int
        var subBuffers: [Range<Int>: cl_mem] = [:]
        var inUseCount = 0
        /// Replaced by a larger block: released once its last slot is freed.
        var retired = false

        init(memory: cl_mem, bytes: Int) {
            self.memory = memory
            self.bytes = bytes
        }

        func releaseAll() {
            for buffer in subBuffers.values { clReleaseMemObject(buffer) }
            clReleaseMemObject(memory)
        }
    }

    /// What is known of one region: its plan, and its last run to compare the next with.
    private struct Region {
        var plan: AllocationPlan?
        /// The trace the plan was made from: a run that records it again needs no new plan.
        var plannedTrace: AllocationTrace?
        var previous: AllocationTrace?
        /// When the region last ran (`runs` at the time), to forget the longest unused first.
        var lastUse = 0
    }

    /// Regions remembered at most; a model's graphs that are gone leave theirs behind.
    static let regionLimit = 32

    /// The open run. A class, so recording a request grows its arrays in place.
    private final class Run {
        let key: String
        let thread: pthread_t
        var trace = AllocationTrace()
        /// Some request got no slot although a plan exists.
        var diverged = false
        /// Trace index of each allocation of this run still in use.
        var tracked: [OpaquePointer: Int] = [:]

        init(key: String, thread: pthread_t) {
            self.key = key
            self.thread = thread
        }

        var onThisThread: Bool { pthread_equal(thread, pthread_self()) != 0 }
    }

    /// Byte alignment of a slot's start (the device's sub-buffer alignment).
    let alignment: Int
    private var regions: [String: Region] = [:]
    private var runs = 0
    private var block: Block?
    private var run: Run?
    /// Handed-out sub-buffers: their block and the bytes they cover.
    private var handedOut: [OpaquePointer: (block: Block, range: Range<Int>)] = [:]

    /// Bytes of the blocks held, the current one and retired ones not yet released.
    private(set) var blockBytes = 0
    /// Bytes of the slots in use now.
    private(set) var liveSlotBytes = 0
    /// Runs that took every temporary from their plan, for tests and reports.
    private(set) var plannedRuns = 0

    init(alignment: Int) {
        self.alignment = alignment
    }

    func begin(_ key: String) -> Bool {
        guard run == nil else { return false }
        run = Run(key: key, thread: pthread_self())
        return true
    }

    /// Ends the open run and plans from it when the region's run before recorded the same
    /// trace. `makeBlock` allocates a larger block when a plan needs one (nil: refused).
    /// Returns true when a new plan was made.
    @discardableResult
    func end(completed: Bool, makeBlock: (Int) -> cl_mem?) -> Bool {
        guard let finished = run else { return false }
        run = nil
        runs += 1
        var region = regions[finished.key] ?? Region()
        region.lastUse = runs
        defer {
            regions[finished.key] = region
            forgetUnusedRegions()
        }
        guard completed else {
            region.previous = nil
            return false
        }
        var planned = false
        if let plan = region.plan, !finished.diverged, finished.trace.entries.count == plan.slots.count {
            plannedRuns += 1
        } else if region.previous == finished.trace, region.plannedTrace != finished.trace {
            let plan = AllocationPlan(trace: finished.trace, alignment: alignment)
            if plan.blockBytes > 0, reserve(plan.blockBytes, makeBlock) {
                region.plan = plan
                region.plannedTrace = finished.trace
                planned = true
            }
        }
        region.previous = finished.trace
        return planned
    }

    private func forgetUnusedRegions() {
        while regions.count > RepeatingRegions.regionLimit,
              let oldest = regions.min(by: { $0.value.lastUse < $1.value.lastUse })?.key {
            regions[oldest] = nil
        }
    }

    /// Records a request of the open run (on its thread) and returns a planned buffer for it
    /// when one is free. A buffer that comes from the pool instead goes to `bindLastRequest`.
    func request(bytes: Int) -> (memory: cl_mem, bytes: Int)? {
        guard let current = run, current.onThisThread else { return nil }
        let index = current.trace.request(bytes: bytes)
        guard let plan = regions[current.key]?.plan else { return nil }
        guard index < plan.slots.count, plan.requestedBytes[index] == bytes else {
            current.diverged = true
            return nil
        }
        // A buffer the plan saw outlive the run comes from the pool, as planned.
        guard let slot = plan.slots[index] else { return nil }
        guard let block, slot.offset + slot.bytes <= block.bytes else {
            current.diverged = true
            return nil
        }
        let range = slot.offset..<(slot.offset + slot.bytes)
        guard !handedOut.values.contains(where: { $0.block === block && $0.range.overlaps(range) }),
              let buffer = subBuffer(block, range)
        else {
            current.diverged = true
            return nil
        }
        block.inUseCount += 1
        liveSlotBytes += slot.bytes
        handedOut[buffer] = (block, range)
        current.tracked[buffer] = index
        return (buffer, slot.bytes)
    }

    /// Ties a buffer the pool gave to the open run's last request, so its free is recorded.
    func bindLastRequest(_ memory: cl_mem) {
        guard let current = run, current.onThisThread, !current.trace.entries.isEmpty else { return }
        current.tracked[memory] = current.trace.entries.count - 1
    }

    /// Records a free. Returns true when the memory was a slot (nothing for the pool to keep).
    func free(_ memory: cl_mem) -> Bool {
        if let current = run, let index = current.tracked.removeValue(forKey: memory) {
            current.trace.free(index)
        }
        guard let (owner, range) = handedOut.removeValue(forKey: memory) else { return false }
        owner.inUseCount -= 1
        liveSlotBytes -= range.count
        if owner.retired && owner.inUseCount == 0 { release(owner) }
        return true
    }

    /// Forgets every plan and releases the block; slots still in use keep their memory until
    /// freed (OpenCL keeps a parent buffer alive while sub-buffers of it exist).
    func releaseAll() {
        regions = [:]
        if let block { retire(block) }
        block = nil
    }

    /// Makes sure the block holds `bytes`, replacing it by a larger one when needed.
    private func reserve(_ bytes: Int, _ makeBlock: (Int) -> cl_mem?) -> Bool {
        if let block, block.bytes >= bytes { return true }
        guard let memory = makeBlock(bytes) else { return false }
        if let block { retire(block) }
        block = Block(memory: memory, bytes: bytes)
        blockBytes += bytes
        return true
    }

    private func retire(_ old: Block) {
        old.retired = true
        // A retired block with slots in use stays alive through `handedOut` until the last is freed.
        if old.inUseCount == 0 { release(old) }
    }

    private func release(_ old: Block) {
        old.releaseAll()
        blockBytes -= old.bytes
    }

    private func subBuffer(_ block: Block, _ range: Range<Int>) -> cl_mem? {
        if let buffer = block.subBuffers[range] { return buffer }
        var region = cl_buffer_region(origin: range.lowerBound, size: range.count)
        var status: cl_int = 0
        let buffer = clCreateSubBuffer(
            block.memory, cl_mem_flags(CL_MEM_READ_WRITE), cl_buffer_create_type(CL_BUFFER_CREATE_TYPE_REGION),
            &region, &status)
        guard status == CL_SUCCESS, let buffer else { return nil }
        block.subBuffers[range] = buffer
        return buffer
    }
}
