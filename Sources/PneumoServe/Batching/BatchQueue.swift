import PneumoApp
import Prometheus

/// The result for one request, with what batching cost it.
public struct BatchedOutcome: Sendable {
    /// The classifier's answer for this image.
    public var outcome: ClassificationOutcome
    /// How many images went to the classifier in the same call.
    public var batchSize: Int
    /// Time from submission until the batch started.
    public var queueWait: Duration
    /// Time the classifier took for the whole batch.
    public var inference: Duration
}

/// Why a batch produced no outcomes.
public enum BatchFailure: Error, Sendable, Equatable {
    /// The classifier threw; `description` is its error, for the server log only.
    case classifierFailed(description: String)
    /// The model gave NaN or an infinity: a model fault, not a device one.
    case nonFiniteOutput(description: String)
    /// The classifier broke its contract by returning the wrong number of outcomes.
    case wrongOutcomeCount(expected: Int, got: Int)
}

/// Groups concurrent requests into classifier calls: a batch starts when `maxBatchSize`
/// requests wait, or when the oldest has waited `maxWait`, whichever comes first. Only one
/// batch runs at a time; requests arriving meanwhile form the next one, so batches grow
/// with load and throughput with them.
public actor BatchQueue {
    private struct Pending {
        let input: ImageInput
        let arrival: ContinuousClock.Instant
        let continuation: CheckedContinuation<Result<BatchedOutcome, BatchFailure>, Never>
    }

    private let classifier: any XRayClassifier
    private let maxBatchSize: Int
    private let maxWait: Duration
    private let batchSizes: ValueHistogram?
    private let clock = ContinuousClock()
    private var pending: [Pending] = []
    private var isRunning = false
    private var timerGeneration = 0
    private var timerArmed = false

    /// Creates a queue in front of `classifier`; `batchSizes` records the size of each batch.
    public init(classifier: any XRayClassifier, maxBatchSize: Int, maxWait: Duration, batchSizes: ValueHistogram? = nil) {
        self.classifier = classifier
        self.maxBatchSize = max(1, maxBatchSize)
        self.maxWait = max(.zero, maxWait)
        self.batchSizes = batchSizes
    }

    /// Queues one image and waits for its batch to finish.
    public func submit(_ input: ImageInput) async -> Result<BatchedOutcome, BatchFailure> {
        await withCheckedContinuation { continuation in
            pending.append(Pending(input: input, arrival: clock.now, continuation: continuation))
            startBatchIfDue()
        }
    }

    /// Starts a batch when one is due, otherwise arms a timer for the oldest request's deadline.
    private func startBatchIfDue() {
        guard !isRunning, let oldest = pending.first else { return }
        let deadline = oldest.arrival + maxWait
        if pending.count >= maxBatchSize || clock.now >= deadline {
            let batch = Array(pending.prefix(maxBatchSize))
            pending.removeFirst(batch.count)
            batchSizes?.record(Double(batch.count))
            isRunning = true
            timerArmed = false
            timerGeneration += 1
            Task { await self.run(batch) }
        } else if !timerArmed {
            timerArmed = true
            timerGeneration += 1
            let generation = timerGeneration
            Task {
                try? await Task.sleep(until: deadline, clock: .continuous)
                self.timerFired(generation: generation)
            }
        }
    }

    private func timerFired(generation: Int) {
        guard generation == timerGeneration else { return }  // superseded by a batch that started early
        timerArmed = false
        startBatchIfDue()
    }

    private func run(_ batch: [Pending]) async {
        let start = clock.now
        let result: Result<[ClassificationOutcome], BatchFailure>
        do {
            let outcomes = try await classifier.classify(batch.map(\.input))
            result = outcomes.count == batch.count
                ? .success(outcomes)
                : .failure(.wrongOutcomeCount(expected: batch.count, got: outcomes.count))
        } catch let error as NonFiniteOutputError {
            result = .failure(.nonFiniteOutput(description: String(describing: error)))
        } catch {
            result = .failure(.classifierFailed(description: String(describing: error)))
        }
        let inference = clock.now - start
        for (index, request) in batch.enumerated() {
            request.continuation.resume(returning: result.map { outcomes in
                BatchedOutcome(
                    outcome: outcomes[index], batchSize: batch.count,
                    queueWait: start - request.arrival, inference: inference)
            })
        }
        isRunning = false
        startBatchIfDue()
    }
}
