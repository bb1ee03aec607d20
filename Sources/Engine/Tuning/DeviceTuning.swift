import Foundation
import OpenCLKit

/// What the ops on one context tune by: the device profile and the tile choices that
/// `pneumo bench --tune` stored for the device. Kept with the context (see `deviceTuning()`),
/// never in the process, so two contexts can run different profiles side by side.
public struct DeviceTuning: Sendable {
    public var profile: DeviceProfile
    /// The tuner's GEMM tiles by shape class; nil when none are stored for this device.
    public var choices: GEMMTuningTable?

    public init(profile: DeviceProfile, choices: GEMMTuningTable? = nil) {
        self.profile = profile
        self.choices = choices
    }

    /// Names the family to use whatever the device is: `cpu` or `gpu`.
    public static let profileVariable = "PNEUMO_DEVICE_PROFILE"

    /// The family `PNEUMO_DEVICE_PROFILE` names (default: the device's own) with, when that is
    /// the device's own family, the profile and choices `store` holds for the device. A stored
    /// file that cannot be read is ignored, as a missing one is. Throws for an unknown family.
    public static func standard(
        for device: Device, environment: [String: String] = ProcessInfo.processInfo.environment,
        store: TuningStore? = TuningStore.standard
    ) throws -> DeviceTuning {
        let own: DeviceProfile.Family = device.kind == .cpu ? .cpu : .gpu
        var family = own
        if let name = environment[profileVariable], !name.isEmpty {
            guard let named = DeviceProfile.Family(rawValue: name.lowercased()) else {
                throw EngineError.invalidConfiguration(
                    "\(profileVariable)=\(name) names no device profile; use one of "
                        + DeviceProfile.Family.allCases.map(\.rawValue).joined(separator: ", "))
            }
            family = named
        }
        // Tuned numbers belong to the device's own kernel variants; a forced family starts clean.
        let table = family == own ? ((try? store?.load(for: device)) ?? nil) : nil
        var profile = table?.profile ?? DeviceProfile.defaults(family, for: device)
        if profile.family != family || (try? profile.validate()) == nil { profile = DeviceProfile.defaults(family, for: device) }
        return DeviceTuning(profile: profile, choices: table)
    }
}

private enum DeviceTuningKey: ContextAttachmentKey {
    typealias Value = DeviceTuning
}

extension ComputeContext {
    /// The context's tuning: what `setDeviceTuning` gave it, else `DeviceTuning.standard` for
    /// its device, resolved on first use. Throws when `PNEUMO_DEVICE_PROFILE` names no family.
    public func deviceTuning() throws -> DeviceTuning {
        try attachment(DeviceTuningKey.self) { try DeviceTuning.standard(for: device) }
    }

    /// Replaces the context's tuning (before building ops: they read it when made).
    public func setDeviceTuning(_ tuning: DeviceTuning) { attach(DeviceTuningKey.self, tuning) }

    /// The profile the ops read. GEMM and Convolution report a bad `PNEUMO_DEVICE_PROFILE` when
    /// built; other ops then fall back to the device's own defaults.
    public var profile: DeviceProfile {
        (try? deviceTuning())?.profile ?? DeviceProfile.defaults(for: device)
    }
}
