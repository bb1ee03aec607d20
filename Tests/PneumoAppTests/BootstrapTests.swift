import Engine
import XCTest
@testable import PneumoApp

final class BootstrapTests: XCTestCase {
    func testPercentileInterpolatesLikeNumPy() throws {
        let values = (1...100).map(Double.init).shuffled()
        let interval = try XCTUnwrap(ConfidenceInterval.percentile(of: values, level: 0.9))
        // numpy.percentile(range(1, 101), [5, 95]) = [5.95, 95.05]
        XCTAssertEqual(interval.lower, 5.95, accuracy: 1e-12)
        XCTAssertEqual(interval.upper, 95.05, accuracy: 1e-12)
        XCTAssertEqual(interval.resamples, 100)
        XCTAssertNil(ConfidenceInterval.percentile(of: [], level: 0.95))
    }

    func testWeightedResampleEqualsMaterializedResample() throws {
        var generator = SeededGenerator(seed: 3)
        let labels = (0..<60).map { _ in Int(generator.next() % 2) }
        let scores = labels.map { Double((generator.next() % 10) + UInt64($0 * 4)) / 14 }
        let ranking = ScoreRanking(labels: labels, scores: scores)
        var resampler = Resampler(count: labels.count, seed: 99)
        for _ in 0..<5 {
            let weights = resampler.nextWeights()
            XCTAssertEqual(weights.reduce(0, +), labels.count)
            let fromWeights = BinaryMetrics(
                tally: ranking.tally(weights: weights), groupsPredictedPositive: ranking.groupsAtOrAbove(0.5), threshold: 0.5)
            let indices = weights.indices.flatMap { Array(repeating: $0, count: weights[$0]) }
            let materialized = try BinaryMetrics.compute(
                labels: indices.map { labels[$0] }, probabilities: indices.map { scores[$0] }, threshold: 0.5)
            XCTAssertEqual(fromWeights.confusion, materialized.confusion)
            XCTAssertEqual(try XCTUnwrap(fromWeights.rocAUC), try XCTUnwrap(materialized.rocAUC), accuracy: 1e-12)
            XCTAssertEqual(try XCTUnwrap(fromWeights.prAUC), try XCTUnwrap(materialized.prAUC), accuracy: 1e-12)
            XCTAssertEqual(fromWeights.logLoss, materialized.logLoss, accuracy: 1e-12)
        }
    }

    func testSameSeedSameIntervalsOtherSeedOther() throws {
        let (labels, scores) = sample(count: 200, seed: 5)
        let first = try BinaryIntervals.compute(labels: labels, probabilities: scores, threshold: 0.5, options: .init(resamples: 200, seed: 1))
        let again = try BinaryIntervals.compute(labels: labels, probabilities: scores, threshold: 0.5, options: .init(resamples: 200, seed: 1))
        let other = try BinaryIntervals.compute(labels: labels, probabilities: scores, threshold: 0.5, options: .init(resamples: 200, seed: 2))
        XCTAssertEqual(first, again)
        XCTAssertNotEqual(first.rocAUC, other.rocAUC)
    }

    func testAccuracyIntervalMatchesNormalApproximation() throws {
        // 400 samples, 320 right: the binomial standard error is 0.02, so the 95% interval is
        // about 0.80 +- 0.039.
        let labels = (0..<400).map { $0 % 2 }
        let scores = labels.indices.map { index -> Double in
            let correct = index % 5 != 0
            return (labels[index] == 1) == correct ? 0.8 : 0.2
        }
        let evaluation = try BinaryEvaluation.evaluate(labels: labels, probabilities: scores, bootstrap: BootstrapOptions(resamples: 1000, seed: 0))
        XCTAssertEqual(evaluation.metrics.accuracy, 0.8, accuracy: 1e-12)
        let interval = try XCTUnwrap(evaluation.intervals?.accuracy)
        XCTAssertEqual(interval.lower, 0.761, accuracy: 0.012)
        XCTAssertEqual(interval.upper, 0.839, accuracy: 0.012)
        XCTAssertEqual(interval.resamples, 1000)
        let counts = try XCTUnwrap(evaluation.intervals?.truePositives)
        XCTAssertLessThanOrEqual(counts.lower, Double(evaluation.metrics.confusion.truePositives))
        XCTAssertGreaterThanOrEqual(counts.upper, Double(evaluation.metrics.confusion.truePositives))
    }

    func testPerfectClassifierHasDegenerateIntervals() throws {
        let labels = (0..<50).map { $0 % 2 }
        let scores = labels.map { $0 == 1 ? 0.9 : 0.1 }
        let intervals = try BinaryIntervals.compute(labels: labels, probabilities: scores, threshold: 0.5, options: .init(resamples: 100))
        XCTAssertEqual(intervals.accuracy, ConfidenceInterval(lower: 1, upper: 1, resamples: 100))
        XCTAssertEqual(intervals.rocAUC?.lower, 1)
        XCTAssertEqual(intervals.rocAUC?.upper, 1)
    }

    func testAUCSkipsResamplesWithoutBothClasses() throws {
        // One positive among three: about 30% of resamples lack it.
        let intervals = try BinaryIntervals.compute(
            labels: [1, 0, 0], probabilities: [0.9, 0.2, 0.1], threshold: 0.5, options: .init(resamples: 300))
        let auc = try XCTUnwrap(intervals.rocAUC)
        XCTAssertLessThan(auc.resamples, 300)
        XCTAssertGreaterThan(auc.resamples, 150)
        XCTAssertEqual(intervals.accuracy?.resamples, 300)
    }

    func testInvalidOptionsAreRejected() {
        assertThrows(MetricsError.self, {
            _ = try BinaryIntervals.compute(labels: [0, 1], probabilities: [0.1, 0.9], threshold: 0.5, options: .init(resamples: 0))
        })
        assertThrows(MetricsError.self, {
            _ = try BinaryIntervals.compute(labels: [0, 1], probabilities: [0.1, 0.9], threshold: 0.5, options: .init(level: 1))
        })
    }

    func testEvaluationRowsFollowMetrics() throws {
        let (labels, scores) = sample(count: 80, seed: 8)
        let evaluation = try BinaryEvaluation.evaluate(labels: labels, probabilities: scores, threshold: 0.4, bootstrap: .init(resamples: 50))
        let rows = evaluation.rows
        XCTAssertEqual(rows.count, 12)
        XCTAssertEqual(rows.first { $0.name == "ROC AUC" }?.value, evaluation.metrics.rocAUC)
        XCTAssertEqual(rows.first { $0.name == "False negatives" }?.value, Double(evaluation.metrics.confusion.falseNegatives))
        XCTAssertTrue(rows.first { $0.name == "False negatives" }?.isCount ?? false)
        XCTAssertNotNil(evaluation.roc)
        XCTAssertNotNil(evaluation.precisionRecall)
        let decoded = try JSONDecoder().decode(BinaryEvaluation.self, from: JSONEncoder().encode(evaluation))
        XCTAssertEqual(decoded, evaluation)
        let plain = try BinaryEvaluation.evaluate(labels: labels, probabilities: scores, bootstrap: nil)
        XCTAssertNil(plain.intervals)
    }

    private func sample(count: Int, seed: UInt64) -> ([Int], [Double]) {
        var generator = SeededGenerator(seed: seed)
        let labels = (0..<count).map { _ in Int(generator.next() % 2) }
        let scores = labels.map { label in min(1, max(0, 0.5 + (Double(label) - 0.5) * 0.6 + Double(generator.nextNormal()) * 0.25)) }
        return (labels, scores)
    }
}
