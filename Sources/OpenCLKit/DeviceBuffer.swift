import COpenCL
import Foundation

/// A typed allocation on the device. Freed memory returns to the context's pool.
public final class DeviceBuffer<Element>: @unchecked Sendable {
    public let count: Int
    public let context: ComputeContext
    let memory: cl_mem
    /// Size of the allocation behind the buffer; a reused one may be larger than `byteCount`.
    let allocationBytes: Int
    /// See `writeStamp`; read and replaced only under `WriteStamp`'s lock.
    private var stamp: UInt64 = 0

    public var byteCount: Int { count * MemoryLayout<Element>.stride }

    /// Changes whenever the contents may have changed: a new buffer, a host write, a fill, a
    /// copy into it, any kernel launch it is bound to (a kernel may write any buffer it is
    /// given) and any use of `nativeMemory`. Unique across buffers, so equal stamps mean the
    /// same buffer, unwritten since. What derived data (folded, packed weights) is keyed on.
    public var writeStamp: UInt64 { WriteStamp.withLock { _ in stamp } }

    /// Gives the buffer a new `writeStamp`: it may have been written.
    func markWritten() {
        WriteStamp.withLock { issue in stamp = issue() }
    }

    /// Allocates room for `count` elements (contents undefined until written or filled).
    public init(_ context: ComputeContext, count: Int) throws {
        precondition(count >= 0, "buffer size must not be negative")
        self.count = count
        self.context = context
        // OpenCL rejects zero-sized buffers; one element keeps empty tensors legal.
        let bytes = max(1, count) * MemoryLayout<Element>.stride
        if let reused = context.pool.take(bytes: bytes) {
            memory = reused.memory
            allocationBytes = reused.bytes
            markWritten()
            return
        }
        let device = context.device
        if bytes > device.maxAllocation {
            throw OpenCLError.allocationFailed(
                bytes: bytes, device: device.name, maxAllocation: device.maxAllocation,
                globalMemory: device.globalMemory, code: -61)
        }
        context.pool.makeRoom(for: bytes)
        var status: cl_int = 0
        var created = clCreateBuffer(context.context, cl_mem_flags(CL_MEM_READ_WRITE), bytes, nil, &status)
        if created == nil || status != CL_SUCCESS, context.pool.idleBytes > 0 {
            // The driver is out of room: hand back what the pool keeps idle and try once more.
            context.pool.releaseIdle()
            created = clCreateBuffer(context.context, cl_mem_flags(CL_MEM_READ_WRITE), bytes, nil, &status)
        }
        guard let memory = created, status == CL_SUCCESS else {
            throw OpenCLError.allocationFailed(
                bytes: bytes, device: device.name, maxAllocation: device.maxAllocation,
                globalMemory: device.globalMemory, code: status)
        }
        self.memory = memory
        allocationBytes = bytes
        context.pool.recordAllocation(memory, bytes: bytes)
        markWritten()
    }

    /// Allocates and uploads `values`.
    public convenience init(_ context: ComputeContext, _ values: [Element]) throws {
        try self.init(context, count: values.count)
        try write(values)
    }

    deinit {
        context.pool.recycle(memory, bytes: allocationBytes)
    }

    /// Copies `values` to the device, starting at element `offset`; blocks until done.
    public func write(_ values: [Element], offset: Int = 0) throws {
        guard offset >= 0, offset + values.count <= count else {
            throw OpenCLError.invalidArgument("write of \(values.count) elements at \(offset) into a buffer of \(count)")
        }
        if values.isEmpty { return }
        markWritten()
        try values.withUnsafeBytes { raw in
            try check(
                clEnqueueWriteBuffer(
                    context.queue, memory, cl_bool(CL_TRUE), offset * MemoryLayout<Element>.stride,
                    raw.count, raw.baseAddress, 0, nil, nil),
                "clEnqueueWriteBuffer (\(formatBytes(raw.count)))")
        }
    }

    /// Copies `count` elements from `offset` back to the host; blocks until done.
    public func read(offset: Int = 0, count requested: Int? = nil) throws -> [Element] where Element: Numeric {
        let n = requested ?? (count - offset)
        guard offset >= 0, n >= 0, offset + n <= count else {
            throw OpenCLError.invalidArgument("read of \(n) elements at \(offset) from a buffer of \(count)")
        }
        var values = [Element](repeating: 0, count: n)
        if n == 0 { return values }
        try values.withUnsafeMutableBytes { raw in
            try check(
                clEnqueueReadBuffer(
                    context.queue, memory, cl_bool(CL_TRUE), offset * MemoryLayout<Element>.stride,
                    raw.count, raw.baseAddress, 0, nil, nil),
                "clEnqueueReadBuffer (\(formatBytes(raw.count)))")
        }
        return values
    }

    /// Sets every element to `value` on the device, without a host round trip.
    public func fill(_ value: Element) throws {
        if count == 0 { return }
        markWritten()
        try withUnsafeBytes(of: value) { pattern in
            try check(
                clEnqueueFillBuffer(
                    context.queue, memory, pattern.baseAddress, pattern.count, 0,
                    count * MemoryLayout<Element>.stride, 0, nil, nil),
                "clEnqueueFillBuffer")
        }
    }

    /// Copies `count` elements from `source` on the device.
    public func copy(from source: DeviceBuffer<Element>, sourceOffset: Int = 0, offset: Int = 0, count n: Int? = nil) throws {
        let n = n ?? min(count - offset, source.count - sourceOffset)
        guard n >= 0, sourceOffset + n <= source.count, offset + n <= count else {
            throw OpenCLError.invalidArgument("copy of \(n) elements does not fit (source \(source.count), destination \(count))")
        }
        if n == 0 { return }
        markWritten()
        let stride = MemoryLayout<Element>.stride
        try check(
            clEnqueueCopyBuffer(
                context.queue, source.memory, memory, sourceOffset * stride, offset * stride, n * stride, 0, nil, nil),
            "clEnqueueCopyBuffer")
    }
}
