import OpenCLKit

/// The one place a compute context for the engine is opened, so commands, the server and
/// benchmarks all get the same set-up: a context on the chosen device with the tuning the ops
/// read (the `PNEUMO_DEVICE_PROFILE` family, the profile `pneumo bench --tune` stored)
/// resolved and attached before any op is built. Choosing the device is `DeviceSelector`'s
/// job; recording work is the measurer's (`WorkLedger.start(for:)`).
public enum EngineRuntime {
    /// Opens a context on `device` (recording each launch's device time when `profiling`)
    /// with `tuning`, else the device's standard tuning. Throws when the driver cannot make
    /// the context or `PNEUMO_DEVICE_PROFILE` names no profile family.
    public static func open(device: Device, profiling: Bool = false, tuning: DeviceTuning? = nil) throws -> ComputeContext {
        let context = try ComputeContext(device: device, profiling: profiling)
        if let tuning {
            context.setDeviceTuning(tuning)
        } else {
            _ = try context.deviceTuning()
        }
        return context
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
