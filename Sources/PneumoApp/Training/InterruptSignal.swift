import Dispatch
import Foundation

/// Turns Ctrl-C (SIGINT) and `kill` (SIGTERM) into a flag the training loop checks between
/// batches, so it can save a resumable checkpoint. A second signal exits at once.
public final class InterruptSignal: @unchecked Sendable {
    private var sources: [DispatchSourceSignal] = []
    private let lock = NSLock()
    private var received: Int32?

    public init() {}

    /// Starts listening; `onFirst` runs once, on a background queue, when the first signal arrives.
    public func install(onFirst: @escaping @Sendable (Int32) -> Void = { _ in }) {
        for signalNumber in [SIGINT, SIGTERM] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler { [weak self] in
                guard let self else { return }
                self.lock.lock()
                let first = self.received == nil
                if first { self.received = signalNumber }
                self.lock.unlock()
                if first { onFirst(signalNumber) } else { exit(128 + signalNumber) }
            }
            source.resume()
            sources.append(source)
        }
    }

    /// Restores the default signal behaviour.
    public func uninstall() {
        for source in sources { source.cancel() }
        sources = []
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }

    /// The signal received, if any.
    public var receivedSignal: Int32? {
        lock.lock(); defer { lock.unlock() }
        return received
    }
}
