/// The OpenCL handles under the wrappers, for foreign libraries (a BLAS loaded at run time)
/// that enqueue work themselves, so no other module needs the C API.
extension ComputeContext {
    /// The in-order command queue (`cl_command_queue`).
    public var nativeQueue: OpaquePointer { queue }
}

extension DeviceBuffer {
    /// The memory object (`cl_mem`); marks the buffer written, as whoever takes it may write it.
    public var nativeMemory: OpaquePointer {
        markWritten()
        return memory
    }
}
