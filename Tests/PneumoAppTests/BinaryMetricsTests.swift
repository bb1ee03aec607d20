import Engine
import Foundation
import XCTest
@testable import PneumoApp

final class BinaryMetricsTests: XCTestCase {
    // scikit-learn's documentation example: ROC AUC 0.75, average precision 0.8333.
    let labels = [0, 0, 1, 1]
    let scores: [Double] = [0.1, 0.4, 0.35, 0.8]

    func testHandComputedCaseAtHalf() throws {
        let metrics = try BinaryMetrics.compute(labels: labels, probabilities: scores, threshold: 0.5)
        XCTAssertEqual(metrics.confusion, BinaryConfusionMatrix(truePositives: 1, falsePositives: 0, trueNegatives: 2, falseNegatives: 1))
        XCTAssertEqual(metrics.count, 4)
        XCTAssertEqual(metrics.positives, 2)
        XCTAssertEqual(metrics.accuracy, 0.75, accuracy: 1e-12)
        XCTAssertEqual(metrics.precision, 1, accuracy: 1e-12)
        XCTAssertEqual(metrics.recall, 0.5, accuracy: 1e-12)
        XCTAssertEqual(metrics.specificity, 1, accuracy: 1e-12)
        XCTAssertEqual(metrics.f1, 2.0 / 3.0, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(metrics.rocAUC), 0.75, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(metrics.prAUC), 5.0 / 6.0, accuracy: 1e-12)
        let expectedLoss = -(log(0.9) + log(0.6) + log(0.35) + log(0.8)) / 4
        XCTAssertEqual(metrics.logLoss, expectedLoss, accuracy: 1e-12)
    }

    func testThresholdIsInclusive() throws {
        let metrics = try BinaryMetrics.compute(labels: labels, probabilities: scores, threshold: 0.35)
        // 0.35, 0.4 and 0.8 are at or above the threshold.
        XCTAssertEqual(metrics.confusion, BinaryConfusionMatrix(truePositives: 2, falsePositives: 1, trueNegatives: 1, falseNegatives: 0))
    }

    func testTiesCountHalf() throws {
        let auc = try RankMetrics.rocAUC(labels: [1, 0, 1, 0], scores: [0.5, 0.5, 0.9, 0.1])
        XCTAssertEqual(try XCTUnwrap(auc), 3.5 / 4, accuracy: 1e-12)
        let ap = try RankMetrics.averagePrecision(labels: [1, 0, 1, 0], scores: [0.5, 0.5, 0.9, 0.1])
        XCTAssertEqual(try XCTUnwrap(ap), 0.5 * 1 + 0.5 * (2.0 / 3.0), accuracy: 1e-12)
    }

    func testPerfectInvertedAndConstantRankings() throws {
        let labels = [0, 0, 0, 1, 1]
        let perfect: [Float] = [0.1, 0.2, 0.3, 0.8, 0.9]
        XCTAssertEqual(try RankMetrics.rocAUC(labels: labels, scores: perfect), 1)
        XCTAssertEqual(try RankMetrics.averagePrecision(labels: labels, scores: perfect), 1)
        let inverted: [Float] = [0.9, 0.8, 0.7, 0.2, 0.1]
        XCTAssertEqual(try RankMetrics.rocAUC(labels: labels, scores: inverted), 0)
        let constant = [Float](repeating: 0.5, count: 5)
        XCTAssertEqual(try RankMetrics.rocAUC(labels: labels, scores: constant), 0.5)
        // With every score tied, precision at the only threshold is the prevalence.
        XCTAssertEqual(try XCTUnwrap(RankMetrics.averagePrecision(labels: labels, scores: constant)), 0.4, accuracy: 1e-12)
    }

    func testRandomScoresGiveChanceAUC() throws {
        var generator = SeededGenerator(seed: 7)
        let labels = (0..<4000).map { _ in Int(generator.next() % 2) }
        let scores = (0..<4000).map { _ in Double(generator.nextUniform()) }
        let auc = try XCTUnwrap(RankMetrics.rocAUC(labels: labels, scores: scores))
        XCTAssertEqual(auc, 0.5, accuracy: 0.04)
    }

    func testAUCAndAveragePrecisionMatchPairwiseDefinitionsWithTies() throws {
        var generator = SeededGenerator(seed: 11)
        for trial in 0..<5 {
            let count = 30 + trial * 17
            let labels = (0..<count).map { _ in generator.next() % 3 == 0 ? 1 : 0 }
            // Scores on a coarse grid, so many ties.
            let scores = labels.map { label in Double((generator.next() % 8) + UInt64(label * 3)) / 10 }
            let auc = try XCTUnwrap(RankMetrics.rocAUC(labels: labels, scores: scores))
            XCTAssertEqual(auc, pairwiseAUC(labels, scores), accuracy: 1e-12)
            let ap = try XCTUnwrap(RankMetrics.averagePrecision(labels: labels, scores: scores))
            XCTAssertEqual(ap, thresholdSweepAP(labels, scores), accuracy: 1e-12)
        }
    }

    func testUndefinedCases() throws {
        let oneClass = try BinaryMetrics.compute(labels: [1, 1, 1], probabilities: [0.2, 0.6, 0.9])
        XCTAssertNil(oneClass.rocAUC)
        XCTAssertNotNil(oneClass.prAUC)
        XCTAssertEqual(oneClass.specificity, 0)  // no negatives: zero by convention
        let noPositives = try BinaryMetrics.compute(labels: [0, 0], probabilities: [0.2, 0.3])
        XCTAssertNil(noPositives.rocAUC)
        XCTAssertNil(noPositives.prAUC)
        XCTAssertEqual(noPositives.precision, 0)
        XCTAssertEqual(noPositives.accuracy, 1)
    }

    func testSaturatedProbabilitiesGiveFiniteLoss() throws {
        let metrics = try BinaryMetrics.compute(labels: [1, 0], probabilities: [Float(0), Float(1)])
        XCTAssertTrue(metrics.logLoss.isFinite)
        XCTAssertEqual(metrics.logLoss, -log(1e-7), accuracy: 1e-9)
    }

    func testBadInputIsRejected() {
        assertThrows(MetricsError.self, { _ = try BinaryMetrics.compute(labels: [0, 1], probabilities: [0.5]) }) {
            XCTAssertEqual($0, .countMismatch(labels: 2, predictions: 1))
        }
        assertThrows(MetricsError.self, { _ = try BinaryMetrics.compute(labels: [0, 2], probabilities: [0.5, 0.5]) }) {
            XCTAssertEqual($0, .invalidLabel(index: 1, value: 2, classCount: 2))
        }
        assertThrows(MetricsError.self, { _ = try BinaryMetrics.compute(labels: [0, 1], probabilities: [0.5, 1.5]) }) {
            XCTAssertTrue($0.description.contains("index 1"))
        }
        assertThrows(MetricsError.self, { _ = try BinaryMetrics.compute(labels: [0, 1], probabilities: [Double.nan, 0.5]) })
        assertThrows(MetricsError.self, { _ = try BinaryMetrics.compute(labels: [Int](), probabilities: [Double]()) })
        assertThrows(MetricsError.self, { _ = try BinaryMetrics.compute(labels: [0, 1], probabilities: [0.1, 0.9], threshold: .nan) })
        // Rank metrics accept any finite score, such as logits.
        XCTAssertEqual(try RankMetrics.rocAUC(labels: [0, 1], scores: [-3.0, 4.0]), 1)
    }

    func testCodableRoundTrip() throws {
        let metrics = try BinaryMetrics.compute(labels: labels, probabilities: scores)
        let decoded = try JSONDecoder().decode(BinaryMetrics.self, from: JSONEncoder().encode(metrics))
        XCTAssertEqual(decoded, metrics)
    }

    private func pairwiseAUC(_ labels: [Int], _ scores: [Double]) -> Double {
        var wins = 0.0, pairs = 0.0
        for i in labels.indices where labels[i] == 1 {
            for j in labels.indices where labels[j] == 0 {
                pairs += 1
                wins += scores[i] > scores[j] ? 1 : scores[i] == scores[j] ? 0.5 : 0
            }
        }
        return wins / pairs
    }

    private func thresholdSweepAP(_ labels: [Int], _ scores: [Double]) -> Double {
        let positives = Double(labels.filter { $0 == 1 }.count)
        var previousRecall = 0.0, sum = 0.0
        for threshold in Set(scores).sorted(by: >) {
            let predicted = labels.indices.filter { scores[$0] >= threshold }
            let truePositives = Double(predicted.filter { labels[$0] == 1 }.count)
            let recall = truePositives / positives
            sum += (recall - previousRecall) * truePositives / Double(predicted.count)
            previousRecall = recall
        }
        return sum
    }
}
