/// The progress bar of one epoch's batches: counts images, and reads the batch losses for its
/// running mean at most every `readInterval` seconds, since each read waits for the device.
final class EpochProgress {
    private let bar: ProgressBar?
    private let accumulator: EpochAccumulator
    private let readInterval: Double
    private var lastRead = ProgressBar.monotonicSeconds()
    private var done = 0

    init(bar: ProgressBar?, accumulator: EpochAccumulator, readInterval: Double) {
        self.bar = bar
        self.accumulator = accumulator
        self.readInterval = readInterval
    }

    /// Counts a finished batch of `images`; the epoch's `last` batch always reads the losses.
    func batchDone(images: Int, last: Bool) throws {
        done += images
        let now = ProgressBar.monotonicSeconds()
        if now - lastRead >= readInterval || last {
            try accumulator.collect()
            lastRead = now
            bar?.update(completed: done, loss: accumulator.totals.meanLoss)
        } else {
            bar?.update(completed: done)
        }
    }

    /// Reads the remaining losses and closes the bar.
    func finish() throws {
        try accumulator.collect()
        bar?.finish(loss: accumulator.totals.meanLoss)
    }
}
