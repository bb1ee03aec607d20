import COpenCL
import Foundation

/// Keeps released device allocations by size so a training step's temporaries are reused
/// from the second step on instead of being allocated again.
final class BufferPool: @unchecked Sendable {
    private var idle: [Int: [cl_mem]] = [:]
    private let lock = NSLock()
    private(set) var allocatedBytes = 0
    private(set) var peakBytes = 0

    func take(bytes: Int) -> cl_mem? {
        lock.lock(); defer { lock.unlock() }
        return idle[bytes]?.popLast()
    }

    func recordAllocation(bytes: Int) {
        lock.lock(); defer { lock.unlock() }
        allocatedBytes += bytes
        peakBytes = max(peakBytes, allocatedBytes)
    }

    func recycle(_ memory: cl_mem, bytes: Int) {
        lock.lock(); defer { lock.unlock() }
        idle[bytes, default: []].append(memory)
    }

    func releaseIdle() {
        lock.lock(); defer { lock.unlock() }
        for (bytes, list) in idle {
            for memory in list { clReleaseMemObject(memory) }
            allocatedBytes -= bytes * list.count
        }
        idle = [:]
    }

    func releaseAll() { releaseIdle() }
}
