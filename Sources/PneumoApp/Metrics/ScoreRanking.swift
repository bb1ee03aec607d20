import Foundation

/// Samples grouped by distinct score, highest score first.
///
/// Tied scores share one group, so every rank metric treats ties the same way (a tie between a
/// positive and a negative counts half, as in the Mann-Whitney statistic). Grouping once lets
/// the bootstrap recompute every metric from per-sample weights in linear time, without sorting
/// each resample again.
struct ScoreRanking {
    /// Distinct scores in descending order.
    let groupScores: [Double]
    /// For each sample, the index of its group.
    let sampleGroup: [Int]
    /// Binary labels, 1 positive.
    let labels: [Int]

    /// Groups validated binary labels and finite scores.
    init(labels: [Int], scores: [Double]) {
        let order = scores.indices.sorted { scores[$0] > scores[$1] || (scores[$0] == scores[$1] && $0 < $1) }
        var groupScores = [Double]()
        var sampleGroup = [Int](repeating: 0, count: scores.count)
        for index in order {
            if groupScores.last != scores[index] { groupScores.append(scores[index]) }
            sampleGroup[index] = groupScores.count - 1
        }
        self.groupScores = groupScores
        self.sampleGroup = sampleGroup
        self.labels = labels
    }

    /// Positive and negative counts per group, each sample counted `weights[i]` times (once when nil).
    func tally(weights: [Int]? = nil) -> GroupTally {
        var positives = [Int](repeating: 0, count: groupScores.count)
        var negatives = [Int](repeating: 0, count: groupScores.count)
        for index in labels.indices {
            let weight = weights?[index] ?? 1
            if labels[index] == 1 { positives[sampleGroup[index]] += weight } else { negatives[sampleGroup[index]] += weight }
        }
        return GroupTally(scores: groupScores, positives: positives, negatives: negatives)
    }

    /// How many leading groups have a score at or above `threshold`, i.e. are predicted positive.
    func groupsAtOrAbove(_ threshold: Double) -> Int {
        // Binary search on the descending scores.
        var low = 0, high = groupScores.count
        while low < high {
            let middle = (low + high) / 2
            if groupScores[middle] >= threshold { low = middle + 1 } else { high = middle }
        }
        return low
    }
}

/// Per-group counts of positives and negatives, from which every binary metric follows.
struct GroupTally {
    let scores: [Double]
    let positives: [Int]
    let negatives: [Int]
    let totalPositives: Int
    let totalNegatives: Int

    init(scores: [Double], positives: [Int], negatives: [Int]) {
        self.scores = scores
        self.positives = positives
        self.negatives = negatives
        totalPositives = positives.reduce(0, +)
        totalNegatives = negatives.reduce(0, +)
    }

    /// Area under the ROC curve: the chance a random positive outscores a random negative, ties half.
    func rocAUC() -> Double? {
        guard totalPositives > 0, totalNegatives > 0 else { return nil }
        var positivesAbove = 0
        var twiceWins = 0  // counted in halves so that it stays an exact integer
        for group in scores.indices {
            twiceWins += negatives[group] * (2 * positivesAbove + positives[group])
            positivesAbove += positives[group]
        }
        return Double(twiceWins) / (2 * Double(totalPositives) * Double(totalNegatives))
    }

    /// Average precision: the sum over thresholds of (recall gained) times precision there.
    func averagePrecision() -> Double? {
        guard totalPositives > 0 else { return nil }
        var truePositives = 0, predicted = 0
        var sum = 0.0
        for group in scores.indices {
            truePositives += positives[group]
            predicted += positives[group] + negatives[group]
            if positives[group] > 0 {
                sum += Double(positives[group]) * Double(truePositives) / Double(predicted)
            }
        }
        return sum / Double(totalPositives)
    }

    /// The confusion matrix when the first `groupsPredictedPositive` groups are called positive.
    func confusion(groupsPredictedPositive: Int) -> BinaryConfusionMatrix {
        var truePositives = 0, falsePositives = 0
        for group in 0..<groupsPredictedPositive {
            truePositives += positives[group]
            falsePositives += negatives[group]
        }
        return BinaryConfusionMatrix(
            truePositives: truePositives, falsePositives: falsePositives,
            trueNegatives: totalNegatives - falsePositives, falseNegatives: totalPositives - truePositives)
    }

    /// Mean binary cross-entropy, with probabilities clipped to [1e-7, 1 - 1e-7] (float32 outputs
    /// saturate at exactly 0 or 1, which would otherwise give an infinite loss).
    func logLoss() -> Double {
        let epsilon = 1e-7
        var sum = 0.0
        for group in scores.indices {
            let probability = min(max(scores[group], epsilon), 1 - epsilon)
            if positives[group] > 0 { sum -= Double(positives[group]) * log(probability) }
            if negatives[group] > 0 { sum -= Double(negatives[group]) * log(1 - probability) }
        }
        return sum / Double(totalPositives + totalNegatives)
    }
}
