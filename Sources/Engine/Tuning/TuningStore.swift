import Foundation
import OpenCLKit

/// Tuner choices and tuned profiles on disk: one JSON file per device and driver under the
/// user's cache directory, read once by each context made on that device (see
/// `DeviceTuning.standard`). Writing one is the tuner's business (EngineTuning's `save`).
public struct TuningStore: Sendable {
    public let directory: URL

    public init(directory: URL) { self.directory = directory }

    /// `PNEUMO_TUNING_DIR` (`off` disables), else `$XDG_CACHE_HOME/pneumo/tuning`, else `~/.cache/pneumo/tuning`.
    public static var standard: TuningStore? {
        let environment = ProcessInfo.processInfo.environment
        if let path = environment["PNEUMO_TUNING_DIR"] {
            return path.isEmpty || path == "off" ? nil : TuningStore(directory: URL(fileURLWithPath: path))
        }
        let base = environment["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache")
        return TuningStore(directory: base.appendingPathComponent("pneumo/tuning"))
    }

    /// The file for a device: a readable name and a hash of everything that keys it.
    public func url(for device: Device) -> URL {
        let readable = String((device.name + "-" + device.driverVersion).map { $0.isLetter || $0.isNumber || $0 == "." ? $0 : "-" }.prefix(60))
        let hash = SHA256.hex([device.platform.name, device.name, device.driverVersion].joined(separator: "\u{0}")).prefix(12)
        return directory.appendingPathComponent("gemm-\(readable)-\(hash).json")
    }

    /// The stored table for `device`; nil when there is none or it was made for another
    /// device, driver or kernel version. Throws when the file exists but cannot be read.
    public func load(for device: Device) throws -> GEMMTuningTable? {
        let file = url(for: device)
        guard FileManager.default.fileExists(atPath: file.path) else { return nil }
        let table: GEMMTuningTable
        do {
            table = try JSONDecoder().decode(GEMMTuningTable.self, from: Data(contentsOf: file))
        } catch {
            throw EngineError.invalidConfiguration(
                "the GEMM tuning file \(file.path) cannot be read (\(error)); delete it and run `pneumo bench --tune` again")
        }
        return table.matches(device) ? table : nil
    }
}
