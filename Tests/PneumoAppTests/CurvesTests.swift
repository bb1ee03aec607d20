import XCTest
@testable import PneumoApp

final class CurvesTests: XCTestCase {
    func testROCPointsForHandCase() throws {
        let points = try XCTUnwrap(Curves.roc(labels: [0, 0, 1, 1], scores: [0.1, 0.4, 0.35, 0.8]))
        let expected: [(Double, Double, Double?)] = [(0, 0, nil), (0, 0.5, 0.8), (0.5, 0.5, 0.4), (0.5, 1, 0.35), (1, 1, 0.1)]
        XCTAssertEqual(points.count, expected.count)
        for (point, (fpr, tpr, threshold)) in zip(points, expected) {
            XCTAssertEqual(point.falsePositiveRate, fpr)
            XCTAssertEqual(point.truePositiveRate, tpr)
            XCTAssertEqual(point.threshold, threshold)
        }
    }

    func testDroppingCollinearPointsKeepsCornersAndArea() throws {
        let labels = [1, 1, 1, 0, 0, 0]
        let scores = [0.9, 0.8, 0.7, 0.3, 0.2, 0.1]
        let full = try XCTUnwrap(Curves.roc(labels: labels, scores: scores))
        let thin = try XCTUnwrap(Curves.roc(labels: labels, scores: scores, dropCollinear: true))
        XCTAssertEqual(full.count, 7)
        XCTAssertEqual(thin.map { [$0.falsePositiveRate, $0.truePositiveRate] }, [[0, 0], [0, 1], [1, 1]])
        XCTAssertEqual(trapezoidArea(thin), trapezoidArea(full), accuracy: 1e-12)
    }

    func testTrapezoidAreaOfCurveEqualsAUCWithTies() throws {
        let labels = [1, 0, 1, 0, 1, 1, 0, 0, 1]
        let scores = [0.5, 0.5, 0.9, 0.1, 0.3, 0.5, 0.7, 0.3, 0.2]
        let curve = try XCTUnwrap(Curves.roc(labels: labels, scores: scores))
        let auc = try XCTUnwrap(RankMetrics.rocAUC(labels: labels, scores: scores))
        XCTAssertEqual(trapezoidArea(curve), auc, accuracy: 1e-12)
    }

    func testPrecisionRecallPoints() throws {
        let points = try XCTUnwrap(Curves.precisionRecall(labels: [0, 0, 1, 1], scores: [0.1, 0.4, 0.35, 0.8]))
        XCTAssertEqual(points.map(\.recall), [0, 0.5, 0.5, 1, 1])
        XCTAssertEqual(points.map(\.precision), [1, 1, 0.5, 2.0 / 3.0, 0.5])
        XCTAssertEqual(points.map(\.threshold), [nil, 0.8, 0.4, 0.35, 0.1])
    }

    func testCurvesAreNilWhenUndefined() throws {
        XCTAssertNil(try Curves.roc(labels: [1, 1], scores: [0.2, 0.4]))
        XCTAssertNil(try Curves.precisionRecall(labels: [0, 0], scores: [0.2, 0.4]))
        XCTAssertNotNil(try Curves.precisionRecall(labels: [1, 1], scores: [0.2, 0.4]))
    }

    private func trapezoidArea(_ points: [ROCPoint]) -> Double {
        zip(points, points.dropFirst()).reduce(0) { sum, pair in
            sum + (pair.1.falsePositiveRate - pair.0.falsePositiveRate) * (pair.1.truePositiveRate + pair.0.truePositiveRate) / 2
        }
    }
}
