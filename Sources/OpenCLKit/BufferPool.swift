import COpenCL
import Foundation

/// Keeps released device allocations by size so a training step's temporaries are reused
/// from the second step on instead of being allocated again. A request takes the smallest
/// idle allocation that holds it, up to `slack` times its size: layers ask for many
/// slightly different sizes, and exact matches alone left idle buffers piling up beside new ones.
final class BufferPool: @unchecked Sendable {
    /// Largest ratio of a reused allocation's size to the request.
    static let slack = 2
    private var idle: [Int: [cl_mem]] = [:]
    /// The sizes in `idle` that hold at least one allocation, ascending.
    private var idleSizes: [Int] = []
    private let lock = NSLock()
    private(set) var allocatedBytes = 0
    private(set) var peakBytes = 0

    /// An idle allocation of at least `bytes` (and at most `slack` times that), with its size.
    func take(bytes: Int) -> (memory: cl_mem, bytes: Int)? {
        lock.lock(); defer { lock.unlock() }
        var low = 0, high = idleSizes.count
        while low < high {
            let middle = (low + high) / 2
            if idleSizes[middle] < bytes { low = middle + 1 } else { high = middle }
        }
        guard low < idleSizes.count, idleSizes[low] <= bytes * BufferPool.slack else { return nil }
        let size = idleSizes[low]
        let memory = idle[size]!.removeLast()
        if idle[size]!.isEmpty {
            idle[size] = nil
            idleSizes.remove(at: low)
        }
        return (memory, size)
    }

    func recordAllocation(bytes: Int) {
        lock.lock(); defer { lock.unlock() }
        allocatedBytes += bytes
        peakBytes = max(peakBytes, allocatedBytes)
    }

    func recycle(_ memory: cl_mem, bytes: Int) {
        lock.lock(); defer { lock.unlock() }
        if idle[bytes] == nil {
            var low = 0, high = idleSizes.count
            while low < high {
                let middle = (low + high) / 2
                if idleSizes[middle] < bytes { low = middle + 1 } else { high = middle }
            }
            idleSizes.insert(bytes, at: low)
        }
        idle[bytes, default: []].append(memory)
    }

    func releaseIdle() {
        lock.lock(); defer { lock.unlock() }
        for (bytes, list) in idle {
            for memory in list { clReleaseMemObject(memory) }
            allocatedBytes -= bytes * list.count
        }
        idle = [:]
        idleSizes = []
    }

    func releaseAll() { releaseIdle() }
}
