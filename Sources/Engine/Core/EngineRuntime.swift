import Foundation
import OpenCLKit

/// The one place a compute context for the engine is opened, so commands, the server and
/// benchmarks all get the same set-up: a context on the chosen device with the tuning the ops
/// read (the `PNEUMO_DEVICE_PROFILE` family, the profile `pneumo bench --tune` stored)
/// resolved and attached before any op is built. Choosing the device is `DeviceSelector`'s
/// job; recording work is the measurer's (`WorkLedger.start(for:)`).
public enum EngineRuntime {
    /// Opens a context on `device` (recording each launch's device time when `profiling`)
    /// with `tuning`, else the device's standard tuning, and the buffer-pool policy
    /// `PNEUMO_MEMORY` names (`planned`, the default, `fast` or `lean`). Throws when the driver cannot
    /// make the context or `PNEUMO_DEVICE_PROFILE` or `PNEUMO_MEMORY` names nothing known.
    public static func open(device: Device, profiling: Bool = false, tuning: DeviceTuning? = nil) throws -> ComputeContext {
        let policy = try bufferPoolPolicy(from: ProcessInfo.processInfo.environment)
        let context = try ComputeContext(device: device, profiling: profiling)
        context.bufferPoolPolicy = policy
        if let tuning {
            context.setDeviceTuning(tuning)
        } else {
            _ = try context.deviceTuning()
        }
        return context
    }

    /// The buffer-pool policy `PNEUMO_MEMORY` names in `environment`; `.planned` when unset.
    public static func bufferPoolPolicy(from environment: [String: String]) throws -> BufferPoolPolicy {
        guard let text = environment["PNEUMO_MEMORY"], !text.isEmpty else { return .planned }
        guard let policy = BufferPoolPolicy(rawValue: text.lowercased()) else {
            throw EngineError.invalidConfiguration(
                "PNEUMO_MEMORY=\(text) is not a memory policy; use planned (the default: lean, with each repeated "
                    + "step's temporaries laid out once in one block), fast (keep idle buffers for reuse) "
                    + "or lean (give idle buffers back before growing; some buffers allocated every step)")
        }
        return policy
    }

    /// Adds two vectors on `device` with the `smoke.cl` kernel and compares with the host:
    /// true when every sum matches. Throws when opening, building or running fails.
    public static func smokeTest(_ device: Device) throws -> Bool {
        let context = try open(device: device)
        let n = 4099
        let a = (0..<n).map { Float($0) }
        let b = (0..<n).map { Float($0) * 0.5 }
        let out = try DeviceBuffer<Float>(context, count: n)
        let kernel = try context.kernel("smoke.cl", "vector_add")
        try context.launch(kernel, global: [n], local: [64], try DeviceBuffer(context, a), try DeviceBuffer(context, b), out, n)
        return try out.read() == zip(a, b).map { $0 + $1 }
    }
}
