import Foundation

/// What the user asked for with `--device` or `PNEUMO_DEVICE`.
public enum DeviceRequest: Equatable, Sendable {
    case automatic
    case kind(DeviceKind)
    case address(platform: Int, device: Int)

    /// Parses `gpu`, `cpu`, `auto` or `P:D`.
    public init(parsing text: String) throws {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        switch trimmed {
        case "", "auto": self = .automatic
        case "gpu": self = .kind(.gpu)
        case "cpu": self = .kind(.cpu)
        default:
            let parts = trimmed.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2, let platform = Int(parts[0]), let device = Int(parts[1]),
                  platform >= 0, device >= 0
            else {
                throw OpenCLError.invalidArgument(
                    "device '\(text)' not understood: use gpu, cpu, auto, or P:D (platform and device index from `pneumo devices`)")
            }
            self = .address(platform: platform, device: device)
        }
    }
}

/// The device chosen and a sentence saying why, for the one log line the user sees.
public struct DeviceChoice: Sendable {
    public let device: Device
    public let reason: String
}

public enum DeviceSelector {
    /// The environment variable that overrides the default choice when no flag is given.
    public static let environmentVariable = "PNEUMO_DEVICE"

    /// Picks a device: an explicit request (flag, then environment) wins; otherwise the first
    /// GPU, else the first CPU. `requireGPU` turns "no GPU" into an error instead of a fallback.
    public static func choose(
        flag: String? = nil, requireGPU: Bool = false,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        devices available: [Device]? = nil
    ) throws -> DeviceChoice {
        let devices = try available ?? Device.all()
        guard !devices.isEmpty else {
            throw OpenCLError.noDevice(
                "no OpenCL platform is installed; on Debian or Ubuntu run `apt-get install pocl-opencl-icd` for the CPU, or install your GPU vendor's OpenCL driver")
        }
        var request = DeviceRequest.automatic
        var source = "default"
        if let flag, !flag.isEmpty {
            request = try DeviceRequest(parsing: flag)
            source = "--device \(flag)"
        } else if let value = environment[environmentVariable], !value.isEmpty {
            request = try DeviceRequest(parsing: value)
            source = "\(environmentVariable)=\(value)"
        }
        let choice = try pick(request, source: source, from: devices)
        if requireGPU && choice.device.kind != .gpu {
            let listed = devices.map(\.description).joined(separator: "; ")
            throw OpenCLError.noDevice("--require-gpu was given but the chosen device is not a GPU (found: \(listed))")
        }
        return choice
    }

    private static func pick(_ request: DeviceRequest, source: String, from devices: [Device]) throws -> DeviceChoice {
        switch request {
        case .automatic:
            if let gpu = devices.first(where: { $0.kind == .gpu }) {
                return DeviceChoice(device: gpu, reason: "\(source): first GPU")
            }
            if let cpu = devices.first(where: { $0.kind == .cpu }) {
                return DeviceChoice(device: cpu, reason: "\(source): no GPU found, using the CPU")
            }
            return DeviceChoice(device: devices[0], reason: "\(source): no GPU or CPU device, using the first device")
        case let .kind(kind):
            guard let device = devices.first(where: { $0.kind == kind }) else {
                let listed = devices.map(\.description).joined(separator: "; ")
                throw OpenCLError.noDevice("\(source) asked for a \(kind.rawValue) but none was found (found: \(listed))")
            }
            return DeviceChoice(device: device, reason: "\(source): first \(kind.rawValue)")
        case let .address(platform, index):
            guard let device = devices.first(where: { $0.platform.index == platform && $0.index == index }) else {
                let listed = devices.map { "\($0.address) \($0.name)" }.joined(separator: "; ")
                throw OpenCLError.noDevice("\(source): there is no device \(platform):\(index) (found: \(listed))")
            }
            return DeviceChoice(device: device, reason: "\(source)")
        }
    }
}
