import Foundation
import Prometheus

/// Counts requests being served and refuses new ones above a limit, so memory and queueing
/// delay stay bounded under overload (the excess gets a quick 503 instead).
public final class InFlightLimiter: @unchecked Sendable {
    /// The most requests admitted at once.
    public let limit: Int
    private let lock = NSLock()
    private var count = 0
    private let gauge: Gauge?

    /// Creates a limiter admitting at most `limit` requests at once; `gauge` follows the count.
    public init(limit: Int, gauge: Gauge? = nil) {
        self.limit = max(1, limit)
        self.gauge = gauge
        gauge?.set(to: 0)
    }

    /// Requests currently admitted.
    public var current: Int {
        lock.lock()
        defer { lock.unlock() }
        return count
    }

    /// Admits a request if there is room; every `true` must be matched by one `release()`.
    public func tryAcquire() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard count < limit else { return false }
        count += 1
        gauge?.set(to: Double(count))
        return true
    }

    /// Marks an admitted request as finished.
    public func release() {
        lock.lock()
        defer { lock.unlock() }
        count -= 1
        gauge?.set(to: Double(count))
    }
}
