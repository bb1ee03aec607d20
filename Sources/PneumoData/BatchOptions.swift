/// How a `BatchLoader` cuts an image set into mini-batches.
public struct BatchOptions: Equatable, Sendable {
    public var batchSize: Int
    /// Shuffle each epoch (seeded by `seed` and the epoch number); off keeps sample order.
    public var shuffle: Bool
    public var seed: UInt64
    /// Draw classes equally often (with replacement within a class) instead of in their
    /// natural proportions; an epoch still has as many images as the set.
    public var classBalanced: Bool
    /// Drop the last batch when it is smaller than `batchSize`; otherwise it comes out partial.
    public var dropLast: Bool
    /// Batches prepared ahead of the consumer.
    public var prefetch: Int

    public init(batchSize: Int, shuffle: Bool = true, seed: UInt64 = 0, classBalanced: Bool = false,
                dropLast: Bool = false, prefetch: Int = 2) {
        self.batchSize = batchSize
        self.shuffle = shuffle
        self.seed = seed
        self.classBalanced = classBalanced
        self.dropLast = dropLast
        self.prefetch = prefetch
    }
}
