import Engine

/// Running sums of one epoch's training batches, read back from the device in batch order.
public struct EpochTotals: Codable, Equatable, Sendable {
    /// Sum over batches of the batch loss times its image count.
    public var weightedLoss: Double = 0
    public var images = 0
    public var correct = 0
    /// Seconds spent in training batches (for images per second).
    public var seconds: Double = 0

    public init() {}

    public var meanLoss: Double { images > 0 ? weightedLoss / Double(images) : .nan }
    public var accuracy: Double { images > 0 ? Double(correct) / Double(images) : .nan }
    public var imagesPerSecond: Double { seconds > 0 ? Double(images) / seconds : .nan }
}

/// Where a run stopped and every piece of loop state beyond the tensors, so a resumed run
/// makes exactly the updates the uninterrupted run would have made.
public struct ResumeState: Equatable, Sendable {
    /// The epoch in progress (from 0) and how many of its batches are done.
    public var epoch: Int
    public var batch: Int
    /// The optimizer's step counter (Adam's bias correction depends on it).
    public var optimizerSteps: Int
    /// Each dropout layer's mask counter, in layer order.
    public var dropoutSteps: [UInt64]
    /// The generator that draws the augmentation parameters.
    public var augmentation: SeededGenerator
    public var scheduler: LearningRateScheduler
    public var earlyStopping: EarlyStopping
    /// The sums of the batches of `epoch` already done.
    public var epochTotals: EpochTotals
    /// Wall seconds of the run before this point, over all its sessions.
    public var elapsedSeconds: Double
    /// Wall seconds of `epoch` before this point.
    public var epochSeconds: Double
    /// The processes that trained the run (1 without mpirun); rank 0's streams are the fields above.
    public var ranks = 1
    /// The random streams of ranks 1, 2, ... in order.
    public var otherRanks: [RankStreams] = []

    /// Rank 0's streams and then the others', in rank order.
    public var allStreams: [RankStreams] {
        get { [RankStreams(augmentation: augmentation, dropoutSteps: dropoutSteps)] + otherRanks }
        set {
            augmentation = newValue[0].augmentation
            dropoutSteps = newValue[0].dropoutSteps
            otherRanks = Array(newValue.dropFirst())
            ranks = newValue.count
        }
    }

    /// The streams `rank` continues with; throws when the checkpoint does not hold them.
    func streams(rank: Int, file: String) throws -> RankStreams {
        let all = allStreams
        guard all.indices.contains(rank) else {
            throw TrainingError.resumeMismatch("\(file) holds the random streams of \(all.count) processes, not of rank \(rank)")
        }
        return all[rank]
    }
}

extension ResumeState: Codable {
    // 64-bit counters travel as text: JSON readers may turn large integers into doubles.
    private enum CodingKeys: String, CodingKey {
        case epoch, batch, optimizerSteps = "optimizer_steps", dropoutSteps = "dropout_steps"
        case augmentationState = "augmentation_state", scheduler, earlyStopping = "early_stopping"
        case epochTotals = "epoch_totals", elapsedSeconds = "elapsed_seconds", epochSeconds = "epoch_seconds"
        case ranks = "processes", otherRanks = "other_processes"
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        func counter(_ text: String, _ key: CodingKeys) throws -> UInt64 {
            guard let value = UInt64(text) else {
                throw DecodingError.dataCorruptedError(forKey: key, in: container, debugDescription: "'\(text)' is not a 64-bit counter")
            }
            return value
        }
        epoch = try container.decode(Int.self, forKey: .epoch)
        batch = try container.decode(Int.self, forKey: .batch)
        optimizerSteps = try container.decode(Int.self, forKey: .optimizerSteps)
        dropoutSteps = try container.decode([String].self, forKey: .dropoutSteps).map { try counter($0, .dropoutSteps) }
        augmentation = SeededGenerator(seed: try counter(try container.decode(String.self, forKey: .augmentationState), .augmentationState))
        scheduler = try container.decode(LearningRateScheduler.self, forKey: .scheduler)
        earlyStopping = try container.decode(EarlyStopping.self, forKey: .earlyStopping)
        epochTotals = try container.decode(EpochTotals.self, forKey: .epochTotals)
        elapsedSeconds = try container.decode(Double.self, forKey: .elapsedSeconds)
        epochSeconds = try container.decode(Double.self, forKey: .epochSeconds)
        ranks = try container.decodeIfPresent(Int.self, forKey: .ranks) ?? 1
        otherRanks = try container.decodeIfPresent([RankStreams].self, forKey: .otherRanks) ?? []
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(epoch, forKey: .epoch)
        try container.encode(batch, forKey: .batch)
        try container.encode(optimizerSteps, forKey: .optimizerSteps)
        try container.encode(dropoutSteps.map(String.init), forKey: .dropoutSteps)
        try container.encode(String(augmentation.state), forKey: .augmentationState)
        try container.encode(scheduler, forKey: .scheduler)
        try container.encode(earlyStopping, forKey: .earlyStopping)
        try container.encode(epochTotals, forKey: .epochTotals)
        try container.encode(elapsedSeconds, forKey: .elapsedSeconds)
        try container.encode(epochSeconds, forKey: .epochSeconds)
        // Absent for a single process, so such resume files read as before.
        if ranks > 1 {
            try container.encode(ranks, forKey: .ranks)
            try container.encode(otherRanks, forKey: .otherRanks)
        }
    }
}
