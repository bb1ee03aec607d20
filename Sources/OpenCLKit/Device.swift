import COpenCL
import Foundation

/// The kind of an OpenCL device.
public enum DeviceKind: String, Sendable {
    case gpu, cpu, accelerator, other
}

/// One OpenCL platform (a driver), e.g. PoCL or NVIDIA CUDA.
public struct Platform: @unchecked Sendable {
    public let id: cl_platform_id
    public let index: Int
    public let name: String
    public let vendor: String
    public let version: String

    /// Every platform the ICD loader knows; empty when none is installed.
    public static func all() throws -> [Platform] {
        var count: cl_uint = 0
        let status = clGetPlatformIDs(0, nil, &count)
        // The ICD loader answers CL_PLATFORM_NOT_FOUND_KHR when no driver is installed.
        if status == -1001 || count == 0 { return [] }
        try check(status, "clGetPlatformIDs")
        var ids = [cl_platform_id?](repeating: nil, count: Int(count))
        try check(clGetPlatformIDs(count, &ids, nil), "clGetPlatformIDs")
        return try ids.enumerated().map { index, id in
            guard let id else { throw OpenCLError.call("clGetPlatformIDs", code: -32) }
            return Platform(
                id: id, index: index,
                name: try platformString(id, cl_platform_info(CL_PLATFORM_NAME)),
                vendor: try platformString(id, cl_platform_info(CL_PLATFORM_VENDOR)),
                version: try platformString(id, cl_platform_info(CL_PLATFORM_VERSION)))
        }
    }

    /// The devices of this platform, in the driver's order.
    public func devices() throws -> [Device] {
        var count: cl_uint = 0
        let status = clGetDeviceIDs(id, cl_device_type(CL_DEVICE_TYPE_ALL), 0, nil, &count)
        if status == CL_DEVICE_NOT_FOUND || count == 0 { return [] }
        try check(status, "clGetDeviceIDs")
        var ids = [cl_device_id?](repeating: nil, count: Int(count))
        try check(clGetDeviceIDs(id, cl_device_type(CL_DEVICE_TYPE_ALL), count, &ids, nil), "clGetDeviceIDs")
        return try ids.enumerated().compactMap { index, id in
            guard let id else { return nil }
            return try Device(id: id, platform: self, index: index)
        }
    }
}

/// One OpenCL device and the facts about it that the engine needs.
public struct Device: @unchecked Sendable, CustomStringConvertible {
    public let id: cl_device_id
    public let platform: Platform
    /// Index within its platform; `platform.index:index` names it on the command line.
    public let index: Int
    public let name: String
    public let kind: DeviceKind
    public let computeUnits: Int
    public let globalMemory: Int
    public let localMemory: Int
    public let maxAllocation: Int
    /// The alignment, in bytes, of a sub-buffer's start inside its parent buffer.
    public let baseAddressAlignment: Int
    public let maxWorkGroupSize: Int
    public let openCLCVersion: String
    public let driverVersion: String

    init(id: cl_device_id, platform: Platform, index: Int) throws {
        self.id = id
        self.platform = platform
        self.index = index
        name = try deviceString(id, cl_device_info(CL_DEVICE_NAME)).trimmingCharacters(in: .whitespaces)
        let type: cl_device_type = try deviceValue(id, cl_device_info(CL_DEVICE_TYPE))
        if type & cl_device_type(CL_DEVICE_TYPE_GPU) != 0 {
            kind = .gpu
        } else if type & cl_device_type(CL_DEVICE_TYPE_CPU) != 0 {
            kind = .cpu
        } else if type & cl_device_type(CL_DEVICE_TYPE_ACCELERATOR) != 0 {
            kind = .accelerator
        } else {
            kind = .other
        }
        computeUnits = Int(try deviceValue(id, cl_device_info(CL_DEVICE_MAX_COMPUTE_UNITS)) as cl_uint)
        globalMemory = Int(try deviceValue(id, cl_device_info(CL_DEVICE_GLOBAL_MEM_SIZE)) as cl_ulong)
        localMemory = Int(try deviceValue(id, cl_device_info(CL_DEVICE_LOCAL_MEM_SIZE)) as cl_ulong)
        maxAllocation = Int(try deviceValue(id, cl_device_info(CL_DEVICE_MAX_MEM_ALLOC_SIZE)) as cl_ulong)
        baseAddressAlignment = max(1, Int(try deviceValue(id, cl_device_info(CL_DEVICE_MEM_BASE_ADDR_ALIGN)) as cl_uint) / 8)
        maxWorkGroupSize = Int(try deviceValue(id, cl_device_info(CL_DEVICE_MAX_WORK_GROUP_SIZE)) as Int)
        openCLCVersion = try deviceString(id, cl_device_info(CL_DEVICE_OPENCL_C_VERSION))
        driverVersion = try deviceString(id, cl_device_info(CL_DRIVER_VERSION))
    }

    /// `P:D`, the address used by `--device`.
    public var address: String { "\(platform.index):\(index)" }

    /// The driver's preferred float vector width (16 for AVX-512 CPUs under PoCL, 8 for AVX2);
    /// 4 when the driver does not say.
    public var preferredFloatVectorWidth: Int {
        let width = (try? deviceValue(id, cl_device_info(CL_DEVICE_PREFERRED_VECTOR_WIDTH_FLOAT)) as cl_uint) ?? 0
        return width > 0 ? Int(width) : 4
    }

    /// True for the Portable Computing Language runtime, which keeps its own kernel cache.
    public var isPoCL: Bool { platform.name.contains("Portable Computing Language") || platform.vendor.contains("pocl") }

    public var description: String { "\(name) [\(kind.rawValue), \(platform.name), \(address)]" }

    /// Every device of every platform, platforms in loader order.
    public static func all() throws -> [Device] {
        try Platform.all().flatMap { try $0.devices() }
    }
}

private func platformString(_ id: cl_platform_id, _ param: cl_platform_info) throws -> String {
    var size = 0
    try check(clGetPlatformInfo(id, param, 0, nil, &size), "clGetPlatformInfo")
    var bytes = [CChar](repeating: 0, count: size + 1)
    try check(clGetPlatformInfo(id, param, size, &bytes, nil), "clGetPlatformInfo")
    return String(cString: bytes)
}

private func deviceString(_ id: cl_device_id, _ param: cl_device_info) throws -> String {
    var size = 0
    try check(clGetDeviceInfo(id, param, 0, nil, &size), "clGetDeviceInfo")
    var bytes = [CChar](repeating: 0, count: size + 1)
    try check(clGetDeviceInfo(id, param, size, &bytes, nil), "clGetDeviceInfo")
    return String(cString: bytes)
}

private func deviceValue<T: FixedWidthInteger>(_ id: cl_device_id, _ param: cl_device_info) throws -> T {
    var value: T = 0
    try check(clGetDeviceInfo(id, param, MemoryLayout<T>.size, &value, nil), "clGetDeviceInfo")
    return value
}
