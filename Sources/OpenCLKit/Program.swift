import COpenCL
import Foundation

/// A built OpenCL program; hands out its kernels by name.
public final class Program: @unchecked Sendable {
    let handle: cl_program
    /// A name for messages, usually the `.cl` file name.
    public let label: String
    public let options: String
    private var kernels: [String: Kernel] = [:]
    private let lock = NSLock()

    init(handle: cl_program, label: String, options: String) {
        self.handle = handle
        self.label = label
        self.options = options
    }

    deinit { clReleaseProgram(handle) }

    /// The kernel called `name`; the same object on every call.
    public func kernel(_ name: String) throws -> Kernel {
        lock.lock(); defer { lock.unlock() }
        if let kernel = kernels[name] { return kernel }
        var status: cl_int = 0
        guard let handle = clCreateKernel(handle, name, &status), status == CL_SUCCESS else {
            if status == CL_INVALID_KERNEL_NAME { throw OpenCLError.missingKernel(name, source: label) }
            throw OpenCLError.call("clCreateKernel \(name) in \(label)", code: status)
        }
        let kernel = Kernel(handle: handle, name: name, program: label)
        kernels[name] = kernel
        return kernel
    }
}

extension ComputeContext {
    /// Builds `source` with `options` (or returns the build already made for them).
    /// Failures throw `OpenCLError.buildFailed` with the whole build log.
    public func program(source: String, label: String, options: String = "") throws -> Program {
        try programs.program(source: source, label: label, options: options, in: self)
    }

    /// The label of every program built in this context so far, once per build (source and
    /// options), sorted: what a context has paid to compile.
    public var builtProgramLabels: [String] { programs.labels }
}

/// Built programs kept for the life of a context, keyed by source and options; optionally
/// backed by compiled binaries on disk.
final class ProgramCache: @unchecked Sendable {
    private var built: [String: Program] = [:]
    private let lock = NSLock()
    let binaryCache: BinaryCache?

    init(binaryCache: BinaryCache?) { self.binaryCache = binaryCache }

    func releaseAll() {
        lock.lock(); defer { lock.unlock() }
        built = [:]
    }

    var labels: [String] {
        lock.lock(); defer { lock.unlock() }
        return built.values.map(\.label).sorted()
    }

    func program(source: String, label: String, options: String, in context: ComputeContext) throws -> Program {
        let key = options + "\u{0}" + source
        lock.lock(); defer { lock.unlock() }
        if let program = built[key] { return program }
        let program = try build(source: source, label: label, options: options, context: context)
        built[key] = program
        return program
    }

    private func build(source: String, label: String, options: String, context: ComputeContext) throws -> Program {
        let device = context.device
        let diskKey = binaryCache?.key(source: source, options: options, device: device)
        if let diskKey, let binary = binaryCache?.load(key: diskKey),
           let handle = try? buildFromBinary(binary, options: options, context: context) {
            return Program(handle: handle, label: label, options: options)
        }
        var status: cl_int = 0
        let handle: cl_program? = source.withCString { pointer in
            var string: UnsafePointer<CChar>? = pointer
            return clCreateProgramWithSource(context.context, 1, &string, nil, &status)
        }
        guard let handle, status == CL_SUCCESS else {
            throw OpenCLError.call("clCreateProgramWithSource \(label)", code: status)
        }
        var deviceID: cl_device_id? = device.id
        let buildStatus = clBuildProgram(handle, 1, &deviceID, options, nil, nil)
        if buildStatus != CL_SUCCESS {
            let log = buildLog(handle, device: device.id)
            clReleaseProgram(handle)
            throw OpenCLError.buildFailed(code: buildStatus, device: device.description, options: options, source: label, log: log)
        }
        if let diskKey, let binary = programBinary(handle) {
            binaryCache?.store(binary, key: diskKey)
        }
        return Program(handle: handle, label: label, options: options)
    }

    private func buildFromBinary(_ binary: [UInt8], options: String, context: ComputeContext) throws -> cl_program? {
        var status: cl_int = 0
        var binaryStatus: cl_int = 0
        var deviceID: cl_device_id? = context.device.id
        var length = binary.count
        let handle: cl_program? = binary.withUnsafeBufferPointer { bytes in
            var pointer: UnsafePointer<UInt8>? = bytes.baseAddress
            return clCreateProgramWithBinary(context.context, 1, &deviceID, &length, &pointer, &binaryStatus, &status)
        }
        guard let handle, status == CL_SUCCESS, binaryStatus == CL_SUCCESS else { return nil }
        if clBuildProgram(handle, 1, &deviceID, options, nil, nil) != CL_SUCCESS {
            clReleaseProgram(handle)
            return nil
        }
        return handle
    }

    private func buildLog(_ program: cl_program, device: cl_device_id) -> String {
        var size = 0
        guard clGetProgramBuildInfo(program, device, cl_program_build_info(CL_PROGRAM_BUILD_LOG), 0, nil, &size) == CL_SUCCESS,
              size > 0
        else { return "" }
        var bytes = [CChar](repeating: 0, count: size + 1)
        guard clGetProgramBuildInfo(program, device, cl_program_build_info(CL_PROGRAM_BUILD_LOG), size, &bytes, nil) == CL_SUCCESS
        else { return "" }
        return String(cString: bytes).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private func programBinary(_ program: cl_program) -> [UInt8]? {
        var size = 0
        guard clGetProgramInfo(program, cl_program_info(CL_PROGRAM_BINARY_SIZES), MemoryLayout<Int>.size, &size, nil) == CL_SUCCESS,
              size > 0
        else { return nil }
        var binary = [UInt8](repeating: 0, count: size)
        let status = binary.withUnsafeMutableBufferPointer { bytes -> cl_int in
            var pointer: UnsafeMutablePointer<UInt8>? = bytes.baseAddress
            return clGetProgramInfo(
                program, cl_program_info(CL_PROGRAM_BINARIES), MemoryLayout<UnsafeMutablePointer<UInt8>?>.size, &pointer, nil)
        }
        return status == CL_SUCCESS ? binary : nil
    }
}
