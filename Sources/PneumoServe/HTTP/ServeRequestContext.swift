import Foundation
import Hummingbird

/// Per-request state shared between the handlers and the request log.
struct ServeRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    /// Bytes of request body the handler read, for the log line.
    let bodyMeter = BodyMeter()

    init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
    }
}

/// A counter written by the handler and read by the log middleware after it returns.
final class BodyMeter: @unchecked Sendable {
    private let lock = NSLock()
    private var bytes = 0

    var bytesRead: Int {
        lock.lock()
        defer { lock.unlock() }
        return bytes
    }

    func record(_ count: Int) {
        lock.lock()
        defer { lock.unlock() }
        bytes += count
    }
}
