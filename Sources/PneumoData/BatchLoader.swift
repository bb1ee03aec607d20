import Foundation

/// Cuts a decoded image set into mini-batches. `batches(epoch:)` prepares the next batches on
/// a background thread while the caller works on the current one.
public final class BatchLoader: @unchecked Sendable {
    public let images: DecodedImageSet
    public let options: BatchOptions
    private let labels: [Int]

    /// Checks the options against the set (a balanced loader needs labelled images).
    public init(_ images: DecodedImageSet, options: BatchOptions) throws {
        guard options.batchSize > 0 else { throw DataError.invalidOption("batch size \(options.batchSize) must be at least 1") }
        guard options.prefetch > 0 else { throw DataError.invalidOption("prefetch depth \(options.prefetch) must be at least 1") }
        labels = images.labels
        if options.classBalanced && labels.contains(-1) {
            throw DataError.invalidOption("class-balanced sampling needs labels, and some images have none")
        }
        self.images = images
        self.options = options
    }

    /// Batches per epoch, counting a final partial batch unless `dropLast`.
    public var batchesPerEpoch: Int {
        options.dropLast ? images.count / options.batchSize : (images.count + options.batchSize - 1) / options.batchSize
    }

    /// The image positions `epoch` visits, in order.
    public func order(epoch: Int) -> [Int] { BatchOrder.indices(labels: labels, options: options, epoch: epoch) }

    /// Builds one batch from image positions: their gray bytes, gathered in that order.
    public func makeBatch(_ positions: ArraySlice<Int>) -> Batch {
        let chosen = images.subset(Array(positions))
        return Batch(pixels: chosen.pixels, labels: positions.map { labels[$0] }, indices: Array(positions), side: images.side)
    }

    /// The batches of `epoch`, prepared `options.prefetch` ahead on a background thread. With
    /// `parts` > 1 every batch is cut into that many equal slices and only slice `part` is
    /// built, so processes that share one order each take their own images of every batch.
    public func batches(epoch: Int, part: Int = 0, of parts: Int = 1) -> PrefetchingBatches {
        precondition(parts >= 1 && (0..<parts).contains(part) && options.batchSize % parts == 0, "batch \(options.batchSize) cannot be cut into \(parts) slices")
        let order = self.order(epoch: epoch)
        let size = options.batchSize
        let slice = size / parts
        let count = batchesPerEpoch
        return PrefetchingBatches(capacity: options.prefetch, count: count) { [self] index in
            let start = index * size + part * slice
            return makeBatch(order[start..<min(order.count, start + slice)])
        }
    }
}

/// An epoch's batches, built ahead on a background thread into a bounded queue. Iterate it
/// once; dropping it (or `cancel()`) stops the thread.
public final class PrefetchingBatches: Sequence, IteratorProtocol, @unchecked Sendable {
    private let queue: PrefetchQueue<Batch>
    public let count: Int

    init(capacity: Int, count: Int, make: @escaping @Sendable (Int) -> Batch) {
        let queue = PrefetchQueue<Batch>(capacity: capacity)
        self.queue = queue
        self.count = count
        let thread = Thread {
            for index in 0..<count {
                if !queue.put(make(index)) { return }  // The consumer went away.
            }
            queue.finish()
        }
        thread.name = "pneumo-batch-prefetch"
        thread.start()
    }

    deinit { queue.cancel() }

    /// The next batch (waiting for it if it is not ready), nil at the end of the epoch.
    public func next() -> Batch? { queue.take() }

    /// Stops preparing batches.
    public func cancel() { queue.cancel() }
}
