import Foundation

/// A bounded hand-over between one producer thread and one consumer: the producer blocks
/// when `capacity` items wait, the consumer blocks until an item or the end arrives.
final class PrefetchQueue<Item>: @unchecked Sendable {
    private var items: [Item] = []
    private var finished = false
    private var cancelled = false
    private let capacity: Int
    private let condition = NSCondition()

    init(capacity: Int) { self.capacity = max(1, capacity) }

    /// Adds an item, waiting for room; false once the consumer has cancelled.
    func put(_ item: Item) -> Bool {
        condition.lock(); defer { condition.unlock() }
        while items.count >= capacity && !cancelled { condition.wait() }
        if cancelled { return false }
        items.append(item)
        condition.broadcast()
        return true
    }

    /// Marks the end of the items.
    func finish() {
        condition.lock(); defer { condition.unlock() }
        finished = true
        condition.broadcast()
    }

    /// The next item, or nil after the end.
    func take() -> Item? {
        condition.lock(); defer { condition.unlock() }
        while items.isEmpty && !finished && !cancelled { condition.wait() }
        if items.isEmpty { return nil }
        let item = items.removeFirst()
        condition.broadcast()
        return item
    }

    /// Stops the producer at its next `put` and drops waiting items.
    func cancel() {
        condition.lock(); defer { condition.unlock() }
        cancelled = true
        items.removeAll()
        condition.broadcast()
    }
}
