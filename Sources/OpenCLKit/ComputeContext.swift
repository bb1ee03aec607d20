import COpenCL
import Foundation

/// A device with its OpenCL context and one in-order command queue: the thing every
/// buffer, program and launch belongs to.
public final class ComputeContext: @unchecked Sendable {
    public let device: Device
    let context: cl_context
    let queue: cl_command_queue
    /// Records each launch's device time when the context was made with `profiling: true`.
    public let profiler: Profiler?
    let programs: ProgramCache
    let pool: BufferPool
    /// Values the layers above keep with this context (see `ContextAttachmentKey`).
    let attachments = ContextAttachments()

    public init(device: Device, profiling: Bool = false, binaryCache: BinaryCache? = .standard) throws {
        self.device = device
        var status: cl_int = 0
        var deviceID: cl_device_id? = device.id
        guard let context = clCreateContext(nil, 1, &deviceID, nil, nil, &status), status == CL_SUCCESS else {
            throw OpenCLError.call("clCreateContext on \(device.name)", code: status)
        }
        let properties: cl_command_queue_properties = profiling ? cl_command_queue_properties(CL_QUEUE_PROFILING_ENABLE) : 0
        guard let queue = clCreateCommandQueue(context, device.id, properties, &status), status == CL_SUCCESS else {
            clReleaseContext(context)
            throw OpenCLError.call("clCreateCommandQueue on \(device.name)", code: status)
        }
        self.context = context
        self.queue = queue
        profiler = profiling ? Profiler() : nil
        // PoCL caches compiled kernels itself; fetching binaries from it would compile twice.
        programs = ProgramCache(binaryCache: device.isPoCL ? nil : binaryCache)
        // Planned slots start on the device's sub-buffer alignment, and never below 128 bytes
        // so vector loads stay aligned.
        pool = BufferPool(alignment: max(128, device.baseAddressAlignment))
    }

    /// A context on the device `DeviceSelector.choose` picks.
    public convenience init(choice: DeviceChoice, profiling: Bool = false) throws {
        try self.init(device: choice.device, profiling: profiling)
    }

    deinit {
        clFinish(queue)
        pool.releaseAll()
        programs.releaseAll()
        clReleaseCommandQueue(queue)
        clReleaseContext(context)
    }

    /// Waits until every queued command has finished, and collects profiling records.
    public func finish() throws {
        try check(clFinish(queue), "clFinish on \(device.name)")
        profiler?.collect()
    }

    /// Bytes currently allocated on the device by this context's buffers (in use or pooled).
    public var allocatedBytes: Int { pool.allocatedBytes }
    /// The largest `allocatedBytes` seen since the context was made (or the last `resetPeakBytes`).
    public var peakAllocatedBytes: Int { pool.peakBytes }
    /// Bytes of the allocations that buffers hold now: `allocatedBytes` less the idle pooled ones.
    public var liveBytes: Int { pool.liveBytes }
    /// The largest `liveBytes` seen since the context was made (or the last `resetPeakBytes`).
    public var peakLiveBytes: Int { pool.peakLiveBytes }
    /// Starts `peakAllocatedBytes` and `peakLiveBytes` again from the bytes held now.
    public func resetPeakBytes() { pool.resetPeaks() }

    /// Gives pooled, unused buffers back to the driver.
    public func trimBufferPool() { pool.releaseIdle() }

    /// Runs `body`, one run of work that repeats with the same allocations (a training step
    /// of one batch shape, named by `key`). Under the `.planned` policy, once two runs in a row
    /// allocate alike, later runs take their temporaries from one block laid out for them.
    /// Buffers `body` returns, or keeps beyond the run, are allocated as usual. Runs do not
    /// nest: an inner call just runs its body.
    public func repeating<Result>(_ key: String, _ body: () throws -> Result) rethrows -> Result {
        guard pool.beginRepeating(key) else { return try body() }
        var completed = false
        defer {
            pool.endRepeating(completed: completed, maxAllocation: device.maxAllocation) { bytes in
                var status: cl_int = 0
                let memory = clCreateBuffer(context, cl_mem_flags(CL_MEM_READ_WRITE), bytes, nil, &status)
                return status == CL_SUCCESS ? memory : nil
            }
        }
        let result = try body()
        completed = true
        return result
    }

    /// Runs of repeated work that took every temporary from their plan.
    public var plannedRuns: Int { pool.plannedRuns }

    /// What the buffer pool does with idle allocations and repeated work (default `.planned`).
    public var bufferPoolPolicy: BufferPoolPolicy {
        get { pool.policy }
        set { pool.policy = newValue }
    }
}
