/// What happened with the decoded-image cache on a load.
public enum CacheOutcome: Equatable, Sendable, CustomStringConvertible {
    /// Read from the cache; nothing was decoded.
    case hit
    /// Decoded and written to the cache, with the reason the cache could not be used.
    case rebuilt(reason: String)
    /// Decoded without a cache (none configured, or it could not be written: the reason).
    case notCached(reason: String)

    public var description: String {
        switch self {
        case .hit: return "read from cache"
        case let .rebuilt(reason): return "decoded and cached (\(reason))"
        case let .notCached(reason): return "decoded, not cached (\(reason))"
        }
    }
}
