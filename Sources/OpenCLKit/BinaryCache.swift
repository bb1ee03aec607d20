import Foundation

/// Compiled program binaries on disk, for drivers that do not cache them themselves.
/// Keys hash everything that can change the binary, so a stale entry is never used.
public struct BinaryCache: Sendable {
    public let directory: URL
    /// Bumped when the engine changes how it builds programs.
    public static let engineVersion = "1"

    public init(directory: URL) { self.directory = directory }

    /// `PNEUMO_KERNEL_CACHE`, else `$XDG_CACHE_HOME/pneumo/kernels`, else `~/.cache/pneumo/kernels`.
    public static var standard: BinaryCache? {
        let environment = ProcessInfo.processInfo.environment
        if let path = environment["PNEUMO_KERNEL_CACHE"] {
            return path.isEmpty || path == "off" ? nil : BinaryCache(directory: URL(fileURLWithPath: path))
        }
        let base = environment["XDG_CACHE_HOME"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache")
        return BinaryCache(directory: base.appendingPathComponent("pneumo/kernels"))
    }

    func key(source: String, options: String, device: Device) -> String {
        SHA256.hex([
            source, options, device.name, device.driverVersion, device.platform.version, BinaryCache.engineVersion,
        ].joined(separator: "\u{0}"))
    }

    func load(key: String) -> [UInt8]? {
        guard let data = try? Data(contentsOf: directory.appendingPathComponent(key + ".bin")) else { return nil }
        return [UInt8](data)
    }

    /// Writes to a temporary file and renames it, so a reader never sees half a binary.
    func store(_ binary: [UInt8], key: String) {
        let manager = FileManager.default
        do {
            try manager.createDirectory(at: directory, withIntermediateDirectories: true)
            let final = directory.appendingPathComponent(key + ".bin")
            let temporary = directory.appendingPathComponent(".\(key).\(ProcessInfo.processInfo.processIdentifier).tmp")
            try Data(binary).write(to: temporary)
            if manager.fileExists(atPath: final.path) { try? manager.removeItem(at: final) }
            try manager.moveItem(at: temporary, to: final)
        } catch {
            // A cache that cannot be written only costs a compile next time.
        }
    }
}
