import Foundation
import PneumoData
import SeededRandom
import XCTest
@testable import PneumoApp

/// The familiarity check's arithmetic: the inverse, the fit, the distances, the limit and the
/// stored form.
final class FeatureFamiliarityTests: XCTestCase {
    func testInverseTimesMatrixIsIdentityAndNonPositiveDefiniteIsRefused() throws {
        var generator = SeededGenerator(seed: 5)
        let n = 12
        // B Bᵀ + I is symmetric positive definite.
        let b = (0..<(n * n)).map { _ in Double.random(in: -1...1, using: &generator) }
        var a = [Double](repeating: 0, count: n * n)
        for i in 0..<n { for j in 0..<n { a[i * n + j] = (0..<n).reduce(i == j ? 1 : 0) { $0 + b[i * n + $1] * b[j * n + $1] } } }
        let inverse = try SymmetricInverse.inverse(a, dimension: n)
        for i in 0..<n {
            for j in 0..<n {
                let product = (0..<n).reduce(0.0) { $0 + a[i * n + $1] * inverse[$1 * n + j] }
                XCTAssertEqual(product, i == j ? 1 : 0, accuracy: 1e-9, "(\(i), \(j))")
            }
        }
        XCTAssertThrowsError(try SymmetricInverse.inverse([1, 2, 2, 1], dimension: 2), "eigenvalues 3 and -1")
    }

    /// Two classes of Gaussian features with known means and an axis-aligned covariance.
    private func gaussianFeatures(count: Int, seed: UInt64) -> (values: [Float], labels: [Int]) {
        var generator = SeededGenerator(seed: seed)
        let scales: [Double] = [1, 2, 0.5, 3]
        var values = [Float](), labels = [Int]()
        for row in 0..<count {
            let label = row % 2
            labels.append(label)
            for j in 0..<4 {
                // Box-Muller.
                let u = Double.random(in: Double.ulpOfOne..<1, using: &generator), v = Double.random(in: 0..<1, using: &generator)
                let normal = (-2 * log(u)).squareRoot() * cos(2 * .pi * v)
                values.append(Float((label == 0 ? -5.0 : 5.0) + scales[j] * normal))
            }
        }
        return (values, labels)
    }

    func testDistancesFollowTheFittedGaussianAndTheLimitIsTheLargestValidationDistance() throws {
        let training = gaussianFeatures(count: 4000, seed: 1)
        let validation = gaussianFeatures(count: 200, seed: 2)
        let check = try FeatureFamiliarity.fit(
            layer: "features", dimension: 4, classes: 2, training: training.values, labels: training.labels,
            validation: validation.values, fittedOn: "synthetic", shrinkage: 0)
        // The means come back, and a class mean is at distance 0.
        XCTAssertEqual(Double(check.classMeans[0][1]), -5, accuracy: 0.15)
        XCTAssertEqual(Double(check.classMeans[1][3]), 5, accuracy: 0.3)
        XCTAssertEqual(check.distances(check.classMeans[1])[0], 0, accuracy: 1e-9)
        // Squared Mahalanobis distances of 4-D Gaussian points average 4 (chi-square, 4 degrees).
        let trainingDistances = check.distances(training.values)
        XCTAssertEqual(trainingDistances.reduce(0, +) / Double(trainingDistances.count), 4, accuracy: 0.15)
        // One step of 2 standard deviations along the axis of scale 2 is distance 2² = 4.
        var point = check.classMeans[0]
        point[1] += 2 * 2
        XCTAssertEqual(check.distances(point)[0], 4, accuracy: 0.3)
        // The limit is the conformal quantile of the validation distances: for 200 images and
        // α = 1%, the ⌈201 × 0.99⌉ = 199th smallest, so exactly one lies beyond it.
        let validationDistances = check.distances(validation.values)
        XCTAssertEqual(check.limit, validationDistances.sorted()[198], accuracy: 1e-9)
        XCTAssertEqual(check.refusedShare, 0.01)
        XCTAssertEqual(check.validationImages, 200)
        XCTAssertEqual(validationDistances.filter { check.finding(distance: $0) != nil }.count, 1)
        let far = check.finding(distance: check.limit * 1.01)
        XCTAssertEqual(far?.rule, .familiarity)
        XCTAssertNotNil(check.finding(distance: .nan), "a non-finite feature is never familiar")
        // Between the classes, where neither Gaussian puts weight, is far from both.
        XCTAssertNotNil(check.finding(distance: check.distances([0, 0, 0, 0])[0]))
    }

    func testConformalQuantileFallsBackToTheLargestForFewImages() {
        let sorted = (1...99).map(Double.init)
        XCTAssertEqual(FeatureFamiliarity.conformalQuantile(sorted, refusedShare: 0.01), 99, "⌈100 × 0.99⌉ = 99: the largest")
        XCTAssertEqual(FeatureFamiliarity.conformalQuantile(Array(sorted.prefix(4)), refusedShare: 0.01), 4, "too few for 1%")
        XCTAssertEqual(FeatureFamiliarity.conformalQuantile(sorted, refusedShare: 0.1), 90, "⌈100 × 0.9⌉ = 90")
        XCTAssertEqual(FeatureFamiliarity.conformalQuantile([7], refusedShare: 0.5), 7)
    }

    func testShrinkageKeepsAConstantFeatureInvertibleAndMakesAnyChangeThereFar() throws {
        // Feature 2 never varies in training (a dead ReLU channel).
        var generator = SeededGenerator(seed: 3)
        var values = [Float](), labels = [Int]()
        for row in 0..<300 {
            labels.append(row % 2)
            values += [Float.random(in: -1...1, using: &generator) + Float(row % 2), Float.random(in: -1...1, using: &generator), 0]
        }
        let check = try FeatureFamiliarity.fit(
            layer: "f", dimension: 3, classes: 2, training: values, labels: labels, validation: Array(values.prefix(60)),
            fittedOn: "synthetic")
        XCTAssertTrue(check.distances([0.5, 0, 0])[0] < check.limit)
        XCTAssertNotNil(check.finding(distance: check.distances([0.5, 0, 0.5])[0]), "the silent feature moved")
    }

    func testStoredFormKeepsEveryBitAndDamageIsReported() throws {
        let training = gaussianFeatures(count: 400, seed: 7)
        let check = try FeatureFamiliarity.fit(
            layer: "l19.gap", dimension: 4, classes: 2, training: training.values, labels: training.labels,
            validation: Array(training.values.prefix(80)), fittedOn: "synthetic")
        let data = try JSONEncoder().encode(check)
        XCTAssertEqual(try JSONDecoder().decode(FeatureFamiliarity.self, from: data), check)
        XCTAssertTrue(String(decoding: data, as: UTF8.self).contains("Mahalanobis"), "the method is named for people")
        XCTAssertEqual(check.problems(classes: 2), [])
        XCTAssertFalse(check.problems(classes: 3).isEmpty, "two means for three classes")
        var damaged = check
        damaged.precisionUpperTriangle.removeLast()
        XCTAssertFalse(damaged.problems(classes: 2).isEmpty)
        damaged = check
        damaged.limit = .infinity
        XCTAssertFalse(damaged.problems(classes: 2).isEmpty)
    }

    func testRefusesTooWideLayersAndMissingClasses() {
        XCTAssertThrowsError(try FeatureFamiliarity.fit(
            layer: "flatten", dimension: FeatureFamiliarity.maximumDimension + 1, classes: 2, training: [], labels: [],
            validation: [], fittedOn: "x"))
        XCTAssertThrowsError(try FeatureFamiliarity.fit(
            layer: "f", dimension: 1, classes: 2, training: [1, 2, 3, 4], labels: [0, 0, 0, 0], validation: [1],
            fittedOn: "x"), "no image of class 1")
    }
}
