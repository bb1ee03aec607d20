import Foundation

/// Where the write stamps of `DeviceBuffer` come from: one process-wide counter, so no two
/// buffers, and no two states of one buffer, ever share a stamp. A cache that noted the stamps
/// of what it was computed from can then tell a changed buffer, or another buffer, from the
/// one it read, whatever wrote it.
enum WriteStamp {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var last: UInt64 = 0

    /// Runs `body` with the next unused stamp, under the lock that also guards every buffer's
    /// stored stamp (so reading and replacing one never race).
    static func withLock<T>(_ body: (_ issue: () -> UInt64) -> T) -> T {
        lock.lock(); defer { lock.unlock() }
        return body {
            last &+= 1
            return last
        }
    }
}
