import Engine

/// Collects each batch's loss and logits as device tensors and reads them back only when
/// asked (at progress redraws and the epoch's end), so the device is not stalled every batch.
final class EpochAccumulator {
    private(set) var totals: EpochTotals
    private let classes: Int
    private var pending: [(loss: Tensor, logits: Tensor, labels: [Int])] = []

    init(classes: Int, totals: EpochTotals = EpochTotals()) {
        self.classes = classes
        self.totals = totals
    }

    func add(loss: Tensor, logits: Tensor, labels: [Int]) {
        pending.append((loss, logits, labels))
    }

    /// Reads the pending batches in order into the totals; throws when a loss is not finite.
    func collect() throws {
        for batch in pending {
            let loss = Double(try batch.loss.toArray()[0])
            guard loss.isFinite else {
                throw TrainingError.diverged("a batch loss is \(loss); lower the learning rate or check the data")
            }
            let logits = try batch.logits.toArray()
            totals.weightedLoss += loss * Double(batch.labels.count)
            totals.images += batch.labels.count
            totals.correct += Self.correctPredictions(logits: logits, labels: batch.labels, classes: classes)
        }
        pending.removeAll()
    }

    /// Adds wall time spent training.
    func addSeconds(_ seconds: Double) { totals.seconds += seconds }

    /// Predictions at probability 0.5 (logit 0) for two classes, arg-max otherwise.
    static func correctPredictions(logits: [Float], labels: [Int], classes: Int) -> Int {
        var correct = 0
        for (row, label) in labels.enumerated() {
            let predicted: Int
            if classes == 2 {
                predicted = logits[row] >= 0 ? 1 : 0
            } else {
                let scores = logits[(row * classes)..<((row + 1) * classes)]
                predicted = scores.indices.max { scores[$0] < scores[$1] }.map { $0 - row * classes } ?? 0
            }
            if predicted == label { correct += 1 }
        }
        return correct
    }
}
