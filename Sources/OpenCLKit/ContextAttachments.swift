import Foundation

/// Names one kind of value a layer above the host layer keeps with a context (its tuning,
/// an observer of launches): the key type is the name, `Value` what it holds.
public protocol ContextAttachmentKey {
    associatedtype Value
}

/// Values keyed by type that live as long as their context, so settings and observers
/// belong to one context instead of to the process. Thread-safe.
final class ContextAttachments: @unchecked Sendable {
    private var values: [ObjectIdentifier: Any] = [:]
    private let lock = NSRecursiveLock()

    func value<Key: ContextAttachmentKey>(_ key: Key.Type) -> Key.Value? {
        lock.lock(); defer { lock.unlock() }
        return values[ObjectIdentifier(key)] as? Key.Value
    }

    func set<Key: ContextAttachmentKey>(_ key: Key.Type, _ value: Key.Value?) {
        lock.lock(); defer { lock.unlock() }
        values[ObjectIdentifier(key)] = value
    }

    /// The stored value, or the one `make` returns, stored first (made once even when threads race).
    func value<Key: ContextAttachmentKey>(_ key: Key.Type, orMake make: () throws -> Key.Value) rethrows -> Key.Value {
        lock.lock(); defer { lock.unlock() }
        if let value = values[ObjectIdentifier(key)] as? Key.Value { return value }
        let value = try make()
        values[ObjectIdentifier(key)] = value
        return value
    }
}

extension ComputeContext {
    /// The value attached under `key`, if any.
    public func attachment<Key: ContextAttachmentKey>(_ key: Key.Type) -> Key.Value? { attachments.value(key) }

    /// Attaches `value` under `key` (nil removes it).
    public func attach<Key: ContextAttachmentKey>(_ key: Key.Type, _ value: Key.Value?) { attachments.set(key, value) }

    /// The value attached under `key`, made by `make` and attached on first use.
    public func attachment<Key: ContextAttachmentKey>(_ key: Key.Type, orMake make: () throws -> Key.Value) rethrows -> Key.Value {
        try attachments.value(key, orMake: make)
    }
}
