import Engine
import OpenCLKit
import XCTest

/// Dropout masks are compared with `DropoutReference` bit for bit (same hash, same float
/// multiply); statistics of the mask with a tolerance of 0.015 on 20 000 draws (about 5 sigma).
final class DropoutTests: XCTestCase {
    func testMaskMatchesReferenceBitForBit() throws {
        let context = try TestDevice.context()
        for (shape, rate, step) in [([3, 5, 7], Float(0.3), UInt64(5)), ([1, 9], 0.5, 0), ([2, 3, 4, 5], 0.9, 12_345)] {
            let (x, xs) = try PointwiseFixtures.tensor(context, shape, seed: 3)
            let y = try DropoutOps.forward(x, rate: rate, seed: 42, step: step).toArray()
            XCTAssertEqual(y, DropoutReference.forward(xs, rate: rate, seed: 42, step: step), "\(shape) rate \(rate)")
        }
    }

    func testBackwardUsesTheForwardMask() throws {
        let context = try TestDevice.context()
        let layer = try Dropout(context, rate: 0.4, seed: 7)
        layer.step = 3
        let (x, _) = try PointwiseFixtures.tensor(context, [4, 6], seed: 1)
        let (dy, dys) = try PointwiseFixtures.tensor(context, [4, 6], seed: 2)
        _ = try layer.forward(x, mode: .training)
        XCTAssertEqual(layer.step, 4)
        XCTAssertEqual(try layer.backward(dy).toArray(), DropoutReference.forward(dys, rate: 0.4, seed: 7, step: 3))
    }

    func testSameSeedIsBitIdenticalAndStepsDiffer() throws {
        let context = try TestDevice.context()
        let (x, _) = try PointwiseFixtures.tensor(context, [8, 33], seed: 4)
        func run(seed: UInt64) throws -> [[Float]] {
            let layer = try Dropout(context, rate: 0.5, seed: seed)
            return try (0..<3).map { _ in try layer.forward(x, mode: .training).toArray() }
        }
        let first = try run(seed: 11)
        XCTAssertEqual(first.map { $0.map(\.bitPattern) }, try run(seed: 11).map { $0.map(\.bitPattern) })
        XCTAssertNotEqual(first[0], first[1])
        XCTAssertNotEqual(first[0], try run(seed: 12)[0])
    }

    func testRestoringTheStepResumesTheSequence() throws {
        let context = try TestDevice.context()
        let (x, _) = try PointwiseFixtures.tensor(context, [5, 7], seed: 5)
        let uninterrupted = try Dropout(context, rate: 0.3, seed: 99)
        let outputs = try (0..<3).map { _ in try uninterrupted.forward(x, mode: .training).toArray() }
        let resumed = try Dropout(context, rate: 0.3, seed: 99)
        resumed.step = 2
        XCTAssertEqual(try resumed.forward(x, mode: .training).toArray(), outputs[2])
    }

    func testKeptFractionAndScale() throws {
        let context = try TestDevice.context()
        let n = 20_000
        let x = try Tensor(context, shape: [n], values: [Float](repeating: 1, count: n))
        let y = try DropoutOps.forward(x, rate: 0.25, seed: 2024, step: 0).toArray()
        let kept = y.filter { $0 != 0 }
        XCTAssertEqual(Float(kept.count) / Float(n), 0.75, accuracy: 0.015)
        XCTAssertTrue(kept.allSatisfy { $0 == Float(1) / 0.75 })
    }

    func testInferenceAndZeroRateAreIdentity() throws {
        let context = try TestDevice.context()
        let (x, xs) = try PointwiseFixtures.tensor(context, [3, 4], seed: 6)
        let layer = try Dropout(context, rate: 0.5, seed: 1)
        XCTAssertEqual(try layer.forward(x, mode: .inference).toArray(), xs)
        XCTAssertEqual(layer.step, 0)
        XCTAssertThrowsError(try layer.backward(x))
        XCTAssertEqual(try Dropout(context, rate: 0, seed: 1).forward(x, mode: .training).toArray(), xs)
    }

    func testGradientCheckWithAFixedStep() throws {
        let context = try TestDevice.context()
        let layer = try Dropout(context, rate: 0.3, seed: 17)
        layer.advancesStep = false
        let failures = try GradientCheck.check(layer, inputShape: [3, 11], context: context)
        XCTAssertTrue(failures.isEmpty, "\(failures.prefix(3))")
        XCTAssertEqual(layer.step, 0)
    }

    func testInvalidRatesThrow() throws {
        let context = try TestDevice.context()
        for rate: Float in [1, -0.1, .nan, 2] {
            XCTAssertThrowsError(try Dropout(context, rate: rate, seed: 0), "rate \(rate)")
        }
    }
}
