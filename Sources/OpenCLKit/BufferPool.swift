import COpenCL
import Foundation

/// Keeps released device allocations by size so a training step's temporaries are reused
/// from the second step on instead of being allocated again. A request takes the smallest
/// idle allocation that holds it, up to `slack` times its size: layers ask for many
/// slightly different sizes, and exact matches alone left idle buffers piling up beside new ones.
///
/// A request no idle allocation fits piles a new allocation on top of idle ones of the wrong
/// sizes, so the pool's footprint drifts above what its buffers ever held at once. Under the
/// `.lean` policy, before an allocation that would raise the high-water mark, idle
/// allocations go back to the driver (largest first) until it fits under the mark: the mark
/// then only rises when the buffers in use need more, at the price of allocating some buffers
/// again on every step. Under `.keepIdle` idle allocations stay for reuse and go back only
/// when the driver refuses a new one. Under `.planned` (the default) the pool is lean, and the
/// temporaries of repeated work come from a block laid out in advance (`RepeatingRegions`), so
/// a training step neither allocates nor holds more than the lean pool.
final class BufferPool: @unchecked Sendable {
    /// Largest ratio of a reused allocation's size to the request.
    static let slack = 2
    private var idle: [Int: [cl_mem]] = [:]
    /// The sizes in `idle` that hold at least one allocation, ascending.
    private var idleSizes: [Int] = []
    private let lock = NSLock()
    private let regions: RepeatingRegions
    /// Bytes of the pool's own allocations, in use or idle (the planned block apart).
    private var poolBytes = 0
    private(set) var peakBytes = 0
    /// Bytes of the allocations buffers hold now (allocated less idle), and their largest value.
    private(set) var liveBytes = 0
    private(set) var peakLiveBytes = 0
    /// The largest `allocatedBytes` ever, which `resetPeaks` leaves alone: the ceiling idle
    /// allocations are trimmed to.
    private var highWaterBytes = 0

    /// `alignment`: where sub-buffers of the planned block may start (the device's base address alignment).
    init(alignment: Int) {
        regions = RepeatingRegions(alignment: alignment)
    }

    /// Bytes allocated on the device: the pool's allocations, in use or idle, and the planned block.
    var allocatedBytes: Int {
        lock.lock(); defer { lock.unlock() }
        return totalBytes
    }

    private var totalBytes: Int { poolBytes + regions.blockBytes }

    /// Opens a run of the repeated work `key` on this thread; false when one is open already
    /// (runs do not nest) or the policy plans nothing.
    func beginRepeating(_ key: String) -> Bool {
        lock.lock(); defer { lock.unlock() }
        guard currentPolicy == .planned else { return false }
        return regions.begin(key)
    }

    /// Closes the open run; a run that threw (`completed` false) teaches the planner nothing.
    /// `create` allocates a block for the plans of the given size, or returns nil when the
    /// driver refuses.
    func endRepeating(completed: Bool, maxAllocation: Int, create: (Int) -> cl_mem?) {
        lock.lock(); defer { lock.unlock() }
        let planned = regions.end(completed: completed) { bytes in
            guard bytes <= maxAllocation else { return nil }
            // The runs recorded so far left their temporaries idle here; the plan replaces them
            // (given back before the block is allocated, so the two never add up).
            releaseIdleLocked()
            guard let memory = create(bytes) else { return nil }
            peakBytes = max(peakBytes, totalBytes + bytes)
            highWaterBytes = max(highWaterBytes, totalBytes + bytes)
            return memory
        }
        if planned { releaseIdleLocked() }
    }

    /// Runs that took every buffer from their plan (for tests).
    var plannedRuns: Int {
        lock.lock(); defer { lock.unlock() }
        return regions.plannedRuns
    }

    /// Memory for a request of `bytes` that needs no new allocation, with its size: the planned
    /// slot of an open run's request when it is free, else an idle allocation of at least
    /// `bytes` (and at most `slack` times that). The open run records the request either way.
    func take(bytes: Int) -> (memory: cl_mem, bytes: Int)? {
        lock.lock(); defer { lock.unlock() }
        if let slot = regions.request(bytes: bytes) {
            markLive(slot.bytes)
            return slot
        }
        let low = firstIdleIndex(atLeast: bytes)
        guard low < idleSizes.count, idleSizes[low] <= bytes * BufferPool.slack else { return nil }
        let size = idleSizes[low]
        let memory = removeIdle(at: low)
        regions.bindLastRequest(memory)
        markLive(size)
        return (memory, size)
    }

    /// What the pool does with idle allocations when a new one is needed.
    var policy: BufferPoolPolicy {
        get { lock.lock(); defer { lock.unlock() }; return currentPolicy }
        set { lock.lock(); currentPolicy = newValue; lock.unlock() }
    }
    private var currentPolicy = BufferPoolPolicy.planned

    /// Before a new allocation of `bytes` under the `.lean` and `.planned` policies: releases
    /// idle allocations, largest first, while allocating on top of them would take the pool
    /// past its high-water mark.
    func makeRoom(for bytes: Int) {
        lock.lock(); defer { lock.unlock() }
        guard currentPolicy != .keepIdle else { return }
        while totalBytes + bytes > highWaterBytes, let size = idleSizes.last {
            clReleaseMemObject(removeIdle(at: idleSizes.count - 1))
            poolBytes -= size
        }
    }

    /// Counts a new allocation handed to a buffer (and to the open run's last request).
    func recordAllocation(_ memory: cl_mem, bytes: Int) {
        lock.lock(); defer { lock.unlock() }
        regions.bindLastRequest(memory)
        poolBytes += bytes
        peakBytes = max(peakBytes, totalBytes)
        highWaterBytes = max(highWaterBytes, totalBytes)
        markLive(bytes)
    }

    /// Starts both peaks again from the bytes held now, so a caller can measure one stretch of work.
    func resetPeaks() {
        lock.lock(); defer { lock.unlock() }
        peakBytes = totalBytes
        peakLiveBytes = liveBytes
    }

    func recycle(_ memory: cl_mem, bytes: Int) {
        lock.lock(); defer { lock.unlock() }
        liveBytes -= bytes
        if regions.free(memory) { return }
        let low = firstIdleIndex(atLeast: bytes)
        if low == idleSizes.count || idleSizes[low] != bytes { idleSizes.insert(bytes, at: low) }
        idle[bytes, default: []].append(memory)
    }

    func releaseIdle() {
        lock.lock(); defer { lock.unlock() }
        releaseIdleLocked()
    }

    /// Idle allocations and the planned block back to the driver (slots in use stay until freed).
    func releaseAll() {
        lock.lock(); defer { lock.unlock() }
        releaseIdleLocked()
        regions.releaseAll()
    }

    private func releaseIdleLocked() {
        for (bytes, list) in idle {
            for memory in list { clReleaseMemObject(memory) }
            poolBytes -= bytes * list.count
        }
        idle = [:]
        idleSizes = []
    }

    /// Bytes of the idle allocations the pool keeps.
    var idleBytes: Int {
        lock.lock(); defer { lock.unlock() }
        return poolBytes - (liveBytes - regions.liveSlotBytes)
    }

    /// Counts an allocation handed to a buffer; the caller holds the lock.
    private func markLive(_ bytes: Int) {
        liveBytes += bytes
        peakLiveBytes = max(peakLiveBytes, liveBytes)
    }

    /// The index in `idleSizes` of the smallest size >= `bytes` (the count when none is).
    private func firstIdleIndex(atLeast bytes: Int) -> Int {
        var low = 0, high = idleSizes.count
        while low < high {
            let middle = (low + high) / 2
            if idleSizes[middle] < bytes { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// Takes one idle allocation of the size at `index` out of the pool; the caller holds the lock.
    private func removeIdle(at index: Int) -> cl_mem {
        let size = idleSizes[index]
        let memory = idle[size]!.removeLast()
        if idle[size]!.isEmpty {
            idle[size] = nil
            idleSizes.remove(at: index)
        }
        return memory
    }
}

/// How a context's buffer pool trades device memory for allocation work.
public enum BufferPoolPolicy: String, Sendable, CaseIterable {
    /// Idle allocations stay for reuse; they go back to the driver only when it refuses a new one.
    case keepIdle = "fast"
    /// Idle allocations go back before the pool would grow past the most its buffers ever held
    /// at once: a small footprint, with some buffers allocated again every step.
    case lean
    /// Lean, and repeated work (`ComputeContext.repeating`) takes its temporaries from a block
    /// planned from its first runs: a lean footprint without allocating on every step.
    case planned
}
