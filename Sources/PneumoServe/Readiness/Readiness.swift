/// Why the model is not ready to serve predictions.
public struct ReadinessFailure: Error, Sendable, Equatable {
    /// The code `/readyz` answers with: `model_output_not_finite` or `model_probe_failed`.
    public var code: String
    /// What went wrong, for `/readyz`, the log and the 503 of every prediction.
    public var reason: String

    static let notFiniteCode = "model_output_not_finite"
    static let probeFailedCode = "model_probe_failed"
}

/// What the model answered on the probe image.
struct ProbeSuccess: Sendable, Equatable {
    var probabilities: [String: Double]
    var duration: Duration
}

/// Whether the server can serve predictions: starting (the probe is running), ready, or
/// failed with a reason. Predictions wait while it is starting.
actor Readiness {
    enum State: Sendable, Equatable {
        case starting
        case ready(ProbeSuccess)
        case failed(ReadinessFailure)
    }

    private(set) var state: State = .starting
    private var waiters: [CheckedContinuation<State, Never>] = []

    /// Records the probe's outcome, once, and releases the requests that were waiting.
    func settle(_ outcome: Result<ProbeSuccess, ReadinessFailure>) {
        guard case .starting = state else { return }
        switch outcome {
        case .success(let success): state = .ready(success)
        case .failure(let failure): state = .failed(failure)
        }
        waiters.forEach { $0.resume(returning: state) }
        waiters.removeAll()
    }

    /// The state once the probe has finished.
    func settled() async -> State {
        if case .starting = state {
            return await withCheckedContinuation { waiters.append($0) }
        }
        return state
    }

    /// Whether predictions are being served.
    var isReady: Bool {
        if case .ready = state { return true }
        return false
    }
}
