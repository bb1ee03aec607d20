import Foundation
import COpenCL

/// An OpenCL failure that says what was attempted, where, and what to do about it.
public enum OpenCLError: Error, CustomStringConvertible, Equatable {
    /// An OpenCL call returned an error code.
    case call(String, code: Int32)
    /// A program failed to build; carries everything needed to reproduce it.
    case buildFailed(code: Int32, device: String, options: String, source: String, log: String)
    /// No OpenCL platform or device matched the request.
    case noDevice(String)
    /// A buffer could not be allocated.
    case allocationFailed(bytes: Int, device: String, maxAllocation: Int, globalMemory: Int, code: Int32)
    /// A program does not contain the named kernel.
    case missingKernel(String, source: String)
    /// A host-side argument did not fit what the call needs.
    case invalidArgument(String)

    public var description: String {
        switch self {
        case let .call(what, code):
            return "OpenCL call \(what) failed with \(OpenCLError.name(of: code)) (\(code))"
        case let .buildFailed(code, device, options, source, log):
            return """
                OpenCL program \(source) failed to build with \(OpenCLError.name(of: code)) on \(device)
                options: \(options.isEmpty ? "(none)" : options)
                build log:
                \(log.isEmpty ? "(empty)" : log)
                """
        case let .noDevice(why):
            return "no OpenCL device: \(why)"
        case let .allocationFailed(bytes, device, maxAllocation, globalMemory, code):
            return "could not allocate \(formatBytes(bytes)) on \(device) (\(OpenCLError.name(of: code))): "
                + "the device allows \(formatBytes(maxAllocation)) per buffer and has \(formatBytes(globalMemory)) in all; "
                + "use a smaller batch size or input size"
        case let .missingKernel(name, source):
            return "kernel \(name) not found in program \(source)"
        case let .invalidArgument(why):
            return why
        }
    }

    /// The symbolic name of an OpenCL error code, e.g. `CL_OUT_OF_RESOURCES`.
    public static func name(of code: Int32) -> String {
        errorNames[code] ?? "CL_UNKNOWN_ERROR"
    }

    private static let errorNames: [Int32: String] = [
        0: "CL_SUCCESS", -1: "CL_DEVICE_NOT_FOUND", -2: "CL_DEVICE_NOT_AVAILABLE",
        -3: "CL_COMPILER_NOT_AVAILABLE", -4: "CL_MEM_OBJECT_ALLOCATION_FAILURE",
        -5: "CL_OUT_OF_RESOURCES", -6: "CL_OUT_OF_HOST_MEMORY",
        -7: "CL_PROFILING_INFO_NOT_AVAILABLE", -8: "CL_MEM_COPY_OVERLAP", -9: "CL_IMAGE_FORMAT_MISMATCH",
        -10: "CL_IMAGE_FORMAT_NOT_SUPPORTED", -11: "CL_BUILD_PROGRAM_FAILURE", -12: "CL_MAP_FAILURE",
        -13: "CL_MISALIGNED_SUB_BUFFER_OFFSET", -14: "CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST",
        -15: "CL_COMPILE_PROGRAM_FAILURE", -16: "CL_LINKER_NOT_AVAILABLE", -17: "CL_LINK_PROGRAM_FAILURE",
        -18: "CL_DEVICE_PARTITION_FAILED", -19: "CL_KERNEL_ARG_INFO_NOT_AVAILABLE",
        -30: "CL_INVALID_VALUE", -31: "CL_INVALID_DEVICE_TYPE", -32: "CL_INVALID_PLATFORM",
        -33: "CL_INVALID_DEVICE", -34: "CL_INVALID_CONTEXT", -35: "CL_INVALID_QUEUE_PROPERTIES",
        -36: "CL_INVALID_COMMAND_QUEUE", -37: "CL_INVALID_HOST_PTR", -38: "CL_INVALID_MEM_OBJECT",
        -39: "CL_INVALID_IMAGE_FORMAT_DESCRIPTOR", -40: "CL_INVALID_IMAGE_SIZE", -41: "CL_INVALID_SAMPLER",
        -42: "CL_INVALID_BINARY", -43: "CL_INVALID_BUILD_OPTIONS", -44: "CL_INVALID_PROGRAM",
        -45: "CL_INVALID_PROGRAM_EXECUTABLE", -46: "CL_INVALID_KERNEL_NAME",
        -47: "CL_INVALID_KERNEL_DEFINITION", -48: "CL_INVALID_KERNEL", -49: "CL_INVALID_ARG_INDEX",
        -50: "CL_INVALID_ARG_VALUE", -51: "CL_INVALID_ARG_SIZE", -52: "CL_INVALID_KERNEL_ARGS",
        -53: "CL_INVALID_WORK_DIMENSION", -54: "CL_INVALID_WORK_GROUP_SIZE",
        -55: "CL_INVALID_WORK_ITEM_SIZE", -56: "CL_INVALID_GLOBAL_OFFSET", -57: "CL_INVALID_EVENT_WAIT_LIST",
        -58: "CL_INVALID_EVENT", -59: "CL_INVALID_OPERATION", -60: "CL_INVALID_GL_OBJECT",
        -61: "CL_INVALID_BUFFER_SIZE", -62: "CL_INVALID_MIP_LEVEL", -63: "CL_INVALID_GLOBAL_WORK_SIZE",
        -64: "CL_INVALID_PROPERTY", -65: "CL_INVALID_IMAGE_DESCRIPTOR", -66: "CL_INVALID_COMPILER_OPTIONS",
        -67: "CL_INVALID_LINKER_OPTIONS", -68: "CL_INVALID_DEVICE_PARTITION_COUNT",
        -1001: "CL_PLATFORM_NOT_FOUND_KHR",
    ]
}

/// Throws `OpenCLError.call` when an OpenCL status code is not `CL_SUCCESS`.
@inline(__always)
func check(_ status: cl_int, _ what: @autoclosure () -> String) throws {
    if status != CL_SUCCESS { throw OpenCLError.call(what(), code: status) }
}

/// Human-readable byte counts for error messages and listings.
public func formatBytes(_ bytes: Int) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB"]
    var value = Double(bytes)
    var unit = 0
    while value >= 1024 && unit < units.count - 1 { value /= 1024; unit += 1 }
    return unit == 0 ? "\(bytes) B" : String(format: "%.1f", value) + " " + units[unit]
}
