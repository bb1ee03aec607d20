import Engine
import Foundation
import OpenCLKit

/// Storing what the tuner chose: the engine only reads the store (when a context starts).
extension TuningStore {
    /// Writes `table` to a temporary file in the same directory and renames it over the old
    /// one, so a reader sees the old table or the new one, never half of one.
    public func save(_ table: GEMMTuningTable, for device: Device) throws {
        let manager = FileManager.default
        let file = url(for: device)
        do {
            try manager.createDirectory(at: directory, withIntermediateDirectories: true)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            let temporary = directory.appendingPathComponent(".\(file.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).tmp")
            try encoder.encode(table).write(to: temporary)
            if rename(temporary.path, file.path) != 0 {
                let reason = String(cString: strerror(errno))
                try? manager.removeItem(at: temporary)
                throw EngineError.invalidConfiguration("cannot move the tuning file into place at \(file.path): \(reason)")
            }
        } catch let error as EngineError {
            throw error
        } catch {
            throw EngineError.invalidConfiguration(
                "cannot write the GEMM tuning file in \(directory.path) (\(error)); set PNEUMO_TUNING_DIR to a writable directory")
        }
    }
}
