import COpenCL
import Foundation

/// Device time per kernel, read from OpenCL profiling events.
public final class Profiler: @unchecked Sendable {
    /// Total device time and launch count for one kernel name.
    public struct Entry: Sendable {
        public var nanoseconds: UInt64 = 0
        public var launches: Int = 0
        public var milliseconds: Double { Double(nanoseconds) / 1e6 }
    }

    private var pending: [(String, cl_event)] = []
    private var totals: [String: Entry] = [:]
    private let lock = NSLock()

    func record(_ name: String, event: cl_event) {
        lock.lock(); defer { lock.unlock() }
        pending.append((name, event))
    }

    /// Reads the events of finished launches; called by `ComputeContext.finish()`.
    func collect() {
        lock.lock(); defer { lock.unlock() }
        for (name, event) in pending {
            var start: cl_ulong = 0
            var end: cl_ulong = 0
            if clGetEventProfilingInfo(event, cl_profiling_info(CL_PROFILING_COMMAND_START), 8, &start, nil) == CL_SUCCESS,
               clGetEventProfilingInfo(event, cl_profiling_info(CL_PROFILING_COMMAND_END), 8, &end, nil) == CL_SUCCESS,
               end >= start {
                totals[name, default: Entry()].nanoseconds += end - start
                totals[name, default: Entry()].launches += 1
            }
            clReleaseEvent(event)
        }
        pending.removeAll()
    }

    /// Totals per kernel name since the last `reset()`.
    public var entries: [String: Entry] {
        lock.lock(); defer { lock.unlock() }
        return totals
    }

    public func reset() {
        lock.lock(); defer { lock.unlock() }
        totals = [:]
    }
}
