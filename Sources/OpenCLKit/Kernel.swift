import COpenCL
import Foundation

/// A value that can be passed to a kernel argument.
public protocol KernelArgument {
    func bind(to kernel: cl_kernel, at index: cl_uint) throws
}

extension DeviceBuffer: KernelArgument {
    /// Marks the buffer written: the kernel may write it.
    public func bind(to kernel: cl_kernel, at index: cl_uint) throws {
        markWritten()
        var memory: cl_mem? = self.memory
        try check(clSetKernelArg(kernel, index, MemoryLayout<cl_mem>.size, &memory), "clSetKernelArg \(index) (buffer)")
    }
}

/// Scalars are passed by value with their own size.
public protocol ScalarKernelArgument: KernelArgument {}
extension ScalarKernelArgument {
    public func bind(to kernel: cl_kernel, at index: cl_uint) throws {
        try withUnsafeBytes(of: self) { bytes in
            try check(clSetKernelArg(kernel, index, bytes.count, bytes.baseAddress), "clSetKernelArg \(index) (scalar)")
        }
    }
}
extension Int32: ScalarKernelArgument {}
extension UInt32: ScalarKernelArgument {}
extension UInt64: ScalarKernelArgument {}
extension Float: ScalarKernelArgument {}

/// Swift `Int` goes to the device as `int`, the type the kernels use for sizes.
extension Int: KernelArgument {
    public func bind(to kernel: cl_kernel, at index: cl_uint) throws {
        guard let value = Int32(exactly: self) else {
            throw OpenCLError.invalidArgument("kernel argument \(index) = \(self) does not fit in a 32-bit int")
        }
        try value.bind(to: kernel, at: index)
    }
}

/// `__local` scratch memory of a given size.
public struct LocalMemory: KernelArgument {
    public let bytes: Int
    public init(bytes: Int) { self.bytes = bytes }
    public func bind(to kernel: cl_kernel, at index: cl_uint) throws {
        try check(clSetKernelArg(kernel, index, bytes, nil), "clSetKernelArg \(index) (local \(bytes) bytes)")
    }
}

/// One kernel of a built program.
public final class Kernel: @unchecked Sendable {
    let handle: cl_kernel
    public let name: String
    public let program: String

    init(handle: cl_kernel, name: String, program: String) {
        self.handle = handle
        self.name = name
        self.program = program
    }

    deinit { clReleaseKernel(handle) }
}

extension ComputeContext {
    /// Queues `kernel` over `global` work-items in groups of `local`.
    ///
    /// The global size is rounded up to a multiple of the local size (PoCL 3 has no
    /// non-uniform work-groups), so kernels must check their index against the real size.
    public func launch(_ kernel: Kernel, global: [Int], local: [Int], _ arguments: KernelArgument...) throws {
        precondition(global.count == local.count && (1...3).contains(global.count), "global and local need 1 to 3 dimensions")
        for (index, argument) in arguments.enumerated() {
            do {
                try argument.bind(to: kernel.handle, at: cl_uint(index))
            } catch let OpenCLError.call(what, code) {
                throw OpenCLError.call("\(what) of kernel \(kernel.name) in \(kernel.program)", code: code)
            }
        }
        let padded = zip(global, local).map { size, group in max(group, (size + group - 1) / group * group) }
        var event: cl_event? = nil
        let status = padded.withUnsafeBufferPointer { globalPointer in
            local.withUnsafeBufferPointer { localPointer in
                withUnsafeMutablePointer(to: &event) { eventPointer in
                    clEnqueueNDRangeKernel(
                        queue, kernel.handle, cl_uint(global.count), nil, globalPointer.baseAddress, localPointer.baseAddress,
                        0, nil, profiler == nil ? nil : eventPointer)
                }
            }
        }
        if status != CL_SUCCESS {
            throw OpenCLError.call(
                "clEnqueueNDRangeKernel \(kernel.name) (\(kernel.program)) global \(padded) local \(local)", code: status)
        }
        if let event { profiler?.record(kernel.name, event: event) }
    }
}
