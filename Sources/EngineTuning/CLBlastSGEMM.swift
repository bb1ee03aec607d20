import Engine
import Foundation
import OpenCLKit

/// CLBlast's single-precision GEMM, loaded with `dlopen` when asked for, so the binary does
/// not link it and runs where it is not installed. Used as a reference speed on the same
/// device and shapes as the engine's own GEMM.
public final class CLBlastSGEMM {
    /// Library names tried in order.
    public static let sharedLibraryNames = ["libclblast.so.1", "libclblast.so", "libclblast.dylib"]

    // CLBlast's C API: layout, transposes and status codes are C enums (int); sizes are size_t.
    private static let rowMajor: Int32 = 101
    private static let noTranspose: Int32 = 111
    // Buffers (cl_mem), the queue (cl_command_queue) and events (cl_event) are opaque pointers.
    private typealias Sgemm = @convention(c) (
        Int32, Int32, Int32, Int, Int, Int, Float, OpaquePointer?, Int, Int, OpaquePointer?, Int, Int, Float, OpaquePointer?, Int, Int,
        UnsafeMutablePointer<OpaquePointer?>?, UnsafeMutablePointer<OpaquePointer?>?
    ) -> Int32
    private typealias SgemmStridedBatched = @convention(c) (
        Int32, Int32, Int32, Int, Int, Int, Float, OpaquePointer?, Int, Int, Int, OpaquePointer?, Int, Int, Int, Float, OpaquePointer?, Int, Int,
        Int, Int, UnsafeMutablePointer<OpaquePointer?>?, UnsafeMutablePointer<OpaquePointer?>?
    ) -> Int32

    private let handle: UnsafeMutableRawPointer
    private let sgemm: Sgemm
    private let stridedBatched: SgemmStridedBatched?
    /// The file that was loaded.
    public let library: String

    /// Loads CLBlast; throws a message saying how to install it when it is not found.
    public init() throws {
        var errors: [String] = []
        for name in CLBlastSGEMM.sharedLibraryNames {
            guard let handle = dlopen(name, RTLD_NOW | RTLD_LOCAL) else {
                errors.append(dlerror().map { String(cString: $0) } ?? name)
                continue
            }
            guard let symbol = dlsym(handle, "CLBlastSgemm") else {
                dlclose(handle)
                errors.append("\(name) has no CLBlastSgemm")
                continue
            }
            self.handle = handle
            library = name
            sgemm = unsafeBitCast(symbol, to: Sgemm.self)
            stridedBatched = dlsym(handle, "CLBlastSgemmStridedBatched").map { unsafeBitCast($0, to: SgemmStridedBatched.self) }
            return
        }
        throw EngineError.invalidConfiguration(
            "CLBlast is not installed (tried \(CLBlastSGEMM.sharedLibraryNames.joined(separator: ", "))); on Debian or Ubuntu run "
                + "`apt-get install libclblast1`, or leave out --compare clblast. Details: \(errors.joined(separator: "; "))")
    }

    deinit { dlclose(handle) }

    /// Times C[b] = A[b] * B[b] (row-major, no transposes; A shared by all `batch` items when
    /// `sharedA`) on `device` in a context of its own: checks 16 entries against a Double CPU
    /// sum, then returns GFLOP/s from the median of `runs` timed calls after `warmup` untimed ones.
    public func gflops(
        device: Device, m: Int, n: Int, k: Int, batch: Int = 1, sharedA: Bool = false, warmup: Int = 2, runs: Int = 5
    ) throws -> Double {
        guard m >= 1, n >= 1, k >= 1, batch >= 1, runs >= 1 else {
            throw EngineError.invalidConfiguration("CLBlast benchmark needs positive sizes, got \(m)x\(n)x\(k) x\(batch)")
        }
        let session = try EngineRuntime.open(device: device)
        var rng = SeededGenerator(seed: 5)
        let aItems = sharedA ? 1 : batch
        let a = (0..<m * k * aItems).map { _ in rng.nextUniform() * 2 - 1 }
        let b = (0..<k * n * batch).map { _ in rng.nextUniform() * 2 - 1 }
        let aStorage = try DeviceBuffer(session, a), bStorage = try DeviceBuffer(session, b)
        let cStorage = try DeviceBuffer(session, [Float](repeating: 0, count: m * n * batch))
        // CLBlast sees only the raw handles: the buffers must outlive every call.
        defer { withExtendedLifetime((aStorage, bStorage, cStorage)) {} }
        let aBuffer = aStorage.nativeMemory, bBuffer = bStorage.nativeMemory, cBuffer = cStorage.nativeMemory
        var queue: OpaquePointer? = session.nativeQueue
        func call() throws {
            let status: Int32
            if batch == 1 {
                status = sgemm(CLBlastSGEMM.rowMajor, CLBlastSGEMM.noTranspose, CLBlastSGEMM.noTranspose, m, n, k, 1,
                               aBuffer, 0, k, bBuffer, 0, n, 0, cBuffer, 0, n, &queue, nil)
            } else if let stridedBatched {
                status = stridedBatched(CLBlastSGEMM.rowMajor, CLBlastSGEMM.noTranspose, CLBlastSGEMM.noTranspose, m, n, k, 1,
                                        aBuffer, 0, k, sharedA ? 0 : m * k, bBuffer, 0, n, k * n, 0, cBuffer, 0, n, m * n, batch, &queue, nil)
            } else {
                throw EngineError.invalidConfiguration("\(library) has no CLBlastSgemmStridedBatched for batched products")
            }
            guard status == 0 else {
                throw EngineError.invalidConfiguration("CLBlastSgemm \(m)x\(n)x\(k) x\(batch) failed with CLBlast status \(status)")
            }
        }
        try call()
        try session.finish()
        let c = try cStorage.read()
        var check = SeededGenerator(seed: 6)
        for _ in 0..<16 {
            let item = Int(check.next() % UInt64(batch)), i = Int(check.next() % UInt64(m)), j = Int(check.next() % UInt64(n))
            let aBase = (sharedA ? 0 : item * m * k) + i * k
            let expected = (0..<k).reduce(0.0) { $0 + Double(a[aBase + $1]) * Double(b[item * k * n + $1 * n + j]) }
            let error = abs(Double(c[item * m * n + i * n + j]) - expected) / (1 + abs(expected))
            guard error <= 1e-3 else {
                throw EngineError.invalidConfiguration("CLBlast gives wrong results on \(m)x\(n)x\(k) (relative error \(error)); not timing it")
            }
        }
        for _ in 0..<warmup { try call() }
        try session.finish()
        var times: [Double] = []
        for _ in 0..<runs {
            let start = DispatchTime.now().uptimeNanoseconds
            try call()
            try session.finish()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        times.sort()
        return 2 * Double(m) * Double(n) * Double(k) * Double(batch) / times[times.count / 2] / 1e9
    }
}
