import Dispatch

/// Runs model work one job at a time on its own thread, outside Swift's cooperative pool, so
/// device calls never run concurrently and never hold up HTTP handling.
final class DeviceWorker: @unchecked Sendable {
    private let queue: DispatchQueue

    /// A worker with a serial queue named `label`.
    init(label: String) {
        queue = DispatchQueue(label: label, qos: .userInitiated)
    }

    /// Runs `work` after every job submitted before it, and returns its result.
    func run<T>(_ work: @escaping () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try work() }) }
        }
    }
}
