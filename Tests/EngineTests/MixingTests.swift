import Engine
import OpenCLKit
import XCTest

/// Mixup and CutMix: the Beta draws, the plans (partners, shares, boxes, how often a batch is
/// mixed) and the mix kernel against `MixReference`.
final class MixingTests: XCTestCase {
    // MARK: Beta(alpha, alpha)

    func testBetaDrawsHaveTheMeanAndVarianceOfBeta() {
        for alpha in [0.1, 0.2, 1, 4] {
            var generator = SeededGenerator(seed: 11)
            let draws = (0..<20_000).map { _ in BetaSampler.symmetric(alpha: alpha, generator: &generator) }
            XCTAssertTrue(draws.allSatisfy { $0 >= 0 && $0 <= 1 }, "alpha \(alpha): a draw left [0, 1]")
            let mean = draws.reduce(0, +) / Double(draws.count)
            let variance = draws.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(draws.count - 1)
            let expected = 1 / (4 * (2 * alpha + 1))  // Var of Beta(a, a).
            XCTAssertEqual(mean, 0.5, accuracy: 0.01, "alpha \(alpha)")
            XCTAssertEqual(variance, expected, accuracy: 0.04 * expected, "alpha \(alpha)")
        }
    }

    /// Beta(1, 1) is uniform: the Kolmogorov-Smirnov distance of 20,000 draws stays under the
    /// 1% critical value (1.63 / sqrt(n)).
    func testBetaOfOneIsUniform() {
        var generator = SeededGenerator(seed: 5)
        let draws = (0..<20_000).map { _ in BetaSampler.symmetric(alpha: 1, generator: &generator) }.sorted()
        let n = Double(draws.count)
        let distance = draws.enumerated().map { i, x in max(abs(Double(i + 1) / n - x), abs(x - Double(i) / n)) }.max()!
        XCTAssertLessThan(distance, 1.63 / n.squareRoot())
    }

    func testSmallAlphaPilesAtTheEnds() {
        var generator = SeededGenerator(seed: 2)
        let draws = (0..<10_000).map { _ in BetaSampler.symmetric(alpha: 0.2, generator: &generator) }
        let ends = draws.filter { $0 < 0.1 || $0 > 0.9 }.count
        // P(X < 0.1 or X > 0.9) for Beta(0.2, 0.2) is 0.673.
        XCTAssertEqual(Double(ends) / Double(draws.count), 0.673, accuracy: 0.02)
    }

    // MARK: Plans

    func testMixupPlanHasAPermutationAndOneWeightPerImage() throws {
        var generator = SeededGenerator(seed: 3)
        let plan = try XCTUnwrap(MixingPlan.draw(count: 32, width: 16, height: 16, settings: MixingSettings(mixup: 0.4), generator: &generator))
        XCTAssertEqual(plan.method, .mixup)
        XCTAssertEqual(plan.partners.sorted(), Array(0..<32))
        XCTAssertNotEqual(plan.partners, Array(0..<32))
        XCTAssertNil(plan.boxes)
        XCTAssertTrue(plan.shares.allSatisfy { $0 >= 0 && $0 <= 1 })
        XCTAssertGreaterThan(Set(plan.shares).count, 16, "one weight per image")
        let parameters = plan.kernelParameters
        XCTAssertEqual(parameters.count, 32 * MixingPlan.stride)
        for i in 0..<32 {
            XCTAssertEqual(Array(parameters[(i * MixingPlan.stride)..<((i + 1) * MixingPlan.stride)]),
                           [Float(plan.partners[i]), plan.shares[i], 0, 0, 0, 0])
        }
        var again = SeededGenerator(seed: 3)
        XCTAssertEqual(MixingPlan.draw(count: 32, width: 16, height: 16, settings: MixingSettings(mixup: 0.4), generator: &again), plan,
                       "the same seed gives the same plan")
    }

    func testCutMixBoxHasTheAreaOneMinusLambda() {
        var generator = SeededGenerator(seed: 4)
        // Side sqrt(1 - 0.75) = 1/2 of 40 px: 20 x 20, whole wherever its centre falls in [10, 30).
        for _ in 0..<200 {
            let box = MixingPlan.cutBox(lambda: 0.75, width: 40, height: 40, generator: &generator)
            XCTAssertTrue(box.x0 >= 0 && box.x0 <= box.x1 && box.x1 <= 40 && box.y0 >= 0 && box.y0 <= box.y1 && box.y1 <= 40, "\(box)")
            XCTAssertLessThanOrEqual(box.area, 400)
            if box.x0 > 0, box.y0 > 0, box.x1 < 40, box.y1 < 40 { XCTAssertEqual([box.x1 - box.x0, box.y1 - box.y0], [20, 20]) }
        }
        XCTAssertEqual(MixingPlan.cutBox(lambda: 1, width: 40, height: 30, generator: &generator).area, 0, "lambda 1 pastes nothing")
        // Rectangular images: sides in the image's proportions (0.6 of 50 x 20).
        for _ in 0..<50 {
            let box = MixingPlan.cutBox(lambda: 0.64, width: 50, height: 20, generator: &generator)
            if box.x0 > 0, box.y0 > 0, box.x1 < 50, box.y1 < 20 { XCTAssertEqual([box.x1 - box.x0, box.y1 - box.y0], [30, 12]) }
        }
    }

    func testCutMixShareIsTheExactUnpastedShare() throws {
        var generator = SeededGenerator(seed: 6)
        var fullBoxes = 0
        for _ in 0..<50 {
            let plan = try XCTUnwrap(MixingPlan.draw(count: 8, width: 37, height: 23, settings: MixingSettings(cutmix: 1), generator: &generator))
            XCTAssertEqual(plan.method, .cutmix)
            let boxes = try XCTUnwrap(plan.boxes)
            for (box, share) in zip(boxes, plan.shares) {
                XCTAssertTrue(box.x0 >= 0 && box.x0 <= box.x1 && box.x1 <= 37 && box.y0 >= 0 && box.y0 <= box.y1 && box.y1 <= 23, "\(box)")
                XCTAssertEqual(share, 1 - Float(box.area) / Float(37 * 23))
                if box.area > 0 { fullBoxes += 1 }
            }
            for i in 0..<8 {
                let p = Array(plan.kernelParameters[(i * MixingPlan.stride)..<((i + 1) * MixingPlan.stride)])
                XCTAssertEqual(p, [Float(plan.partners[i]), 1, Float(boxes[i].x0), Float(boxes[i].y0), Float(boxes[i].x1), Float(boxes[i].y1)])
            }
        }
        XCTAssertGreaterThan(fullBoxes, 300)
    }

    func testProbabilityDecidesTheShareOfMixedBatches() {
        func mixedShare(_ settings: MixingSettings, batches: Int = 2000) -> Double {
            var generator = SeededGenerator(seed: 8)
            let mixed = (0..<batches).filter { _ in MixingPlan.draw(count: 4, width: 8, height: 8, settings: settings, generator: &generator) != nil }
            return Double(mixed.count) / Double(batches)
        }
        XCTAssertEqual(mixedShare(MixingSettings(mixup: 0.2, probability: 0)), 0)
        XCTAssertEqual(mixedShare(MixingSettings(mixup: 0.2, probability: 1)), 1)
        XCTAssertEqual(mixedShare(MixingSettings(cutmix: 1, probability: 1)), 1)
        XCTAssertEqual(mixedShare(MixingSettings(mixup: 0.2, probability: 0.3)), 0.3, accuracy: 0.03)
        XCTAssertEqual(mixedShare(MixingSettings()), 0, "both alphas 0 is off")
        XCTAssertTrue(MixingSettings(mixup: 0.2, probability: 0).isOff)
    }

    func testBothMethodsShareTheMixedBatches() {
        var generator = SeededGenerator(seed: 9)
        let methods = (0..<1000).compactMap {
            _ in MixingPlan.draw(count: 4, width: 8, height: 8, settings: MixingSettings(mixup: 0.2, cutmix: 1), generator: &generator)?.method
        }
        XCTAssertEqual(methods.count, 1000)
        XCTAssertEqual(Double(methods.filter { $0 == .mixup }.count) / 1000, 0.5, accuracy: 0.05)
    }

    func testSettingsOutOfRangeAreRefusedWithTheOptionName() {
        for (settings, option) in [
            (MixingSettings(mixup: -0.1), "--mixup"), (MixingSettings(mixup: .nan), "--mixup"), (MixingSettings(mixup: 11), "--mixup"),
            (MixingSettings(cutmix: -1), "--cutmix"), (MixingSettings(cutmix: .infinity), "--cutmix"),
            (MixingSettings(mixup: 0.2, probability: 1.5), "--mix-probability"), (MixingSettings(cutmix: 1, probability: -0.1), "--mix-probability"),
        ] {
            XCTAssertThrowsError(try settings.validated(), "\(settings)") { XCTAssertTrue("\($0)".contains(option), "\($0)") }
        }
        XCTAssertNoThrow(try MixingSettings(mixup: 0.2, cutmix: 1, probability: 0.5).validated())
    }

    // MARK: Kernel

    func testKernelMatchesTheReference() throws {
        let context = try TestDevice.context()
        let mixer = try Mixer(context: context)
        var generator = SeededGenerator(seed: 12)
        var random = SeededGenerator(seed: 13)
        for shape in [[5, 1, 16, 16], [3, 3, 9, 12], [4, 1, 17, 5], [32, 1, 64, 64]] {
            for settings in [MixingSettings(mixup: 0.2), MixingSettings(mixup: 2), MixingSettings(cutmix: 1), MixingSettings(cutmix: 0.3)] {
                let values = (0..<shape.reduce(1, *)).map { _ in random.nextUniform() }
                let input = try Tensor(context, shape: shape, values: values)
                let plan = try XCTUnwrap(MixingPlan.draw(count: shape[0], width: shape[3], height: shape[2], settings: settings, generator: &generator))
                let output = try mixer.apply(input, plan: plan).toArray()
                let expected = MixReference.apply(values, shape: shape, plan: plan)
                // Contraction is off in the kernel, so each pixel rounds as the reference's does.
                let differing = zip(output, expected).filter { $0.bitPattern != $1.bitPattern }.count
                XCTAssertEqual(differing, 0, "\(shape) \(settings): \(differing) of \(output.count) pixels differ from the reference")
            }
        }
    }

    /// The reference itself: CutMix keeps the own pixel outside the box and takes the
    /// partner's inside; mixup blends by the share; a plan of self-partners and share 1 is the identity.
    func testReferenceSemantics() throws {
        let shape = [2, 1, 4, 4]
        let values = (0..<32).map { Float($0) }
        let box = MixingPlan.Box(x0: 1, y0: 2, x1: 3, y1: 4)
        let cut = MixingPlan(method: .cutmix, partners: [1, 0], shares: [0.75, 1], boxes: [box, MixingPlan.Box(x0: 0, y0: 0, x1: 0, y1: 0)])
        let cutOutput = MixReference.apply(values, shape: shape, plan: cut)
        for y in 0..<4 {
            for x in 0..<4 {
                let inside = x >= 1 && x < 3 && y >= 2
                XCTAssertEqual(cutOutput[y * 4 + x], inside ? values[16 + y * 4 + x] : values[y * 4 + x], "(\(x), \(y))")
            }
        }
        XCTAssertEqual(Array(cutOutput[16...]), Array(values[16...]), "an empty box leaves the image")
        let blend = MixingPlan(method: .mixup, partners: [1, 0], shares: [0.25, 0.5], boxes: nil)
        let blendOutput = MixReference.apply(values, shape: shape, plan: blend)
        XCTAssertEqual(blendOutput[5], 0.25 * 5 + 0.75 * 21)
        XCTAssertEqual(blendOutput[16 + 5], 0.5 * 21 + 0.5 * 5)
        let identity = MixingPlan(method: .mixup, partners: [0, 1], shares: [1, 1], boxes: nil)
        let context = try TestDevice.context()
        let output = try Mixer(context: context).apply(try Tensor(context, shape: shape, values: values), plan: identity).toArray()
        XCTAssertEqual(output, values)
    }

    func testKernelRefusesPlansThatDoNotFit() throws {
        let context = try TestDevice.context()
        let mixer = try Mixer(context: context)
        let input = try Tensor.zeros(context, shape: [2, 1, 4, 4])
        XCTAssertThrowsError(try mixer.apply(input, plan: MixingPlan(method: .mixup, partners: [0, 1, 2], shares: [1, 1, 1], boxes: nil)))
        XCTAssertThrowsError(try mixer.apply(input, plan: MixingPlan(method: .mixup, partners: [0, 2], shares: [1, 1], boxes: nil)))
        let tooLarge = MixingPlan.Box(x0: 0, y0: 0, x1: 5, y1: 2)
        XCTAssertThrowsError(try mixer.apply(input, plan: MixingPlan(method: .cutmix, partners: [1, 0], shares: [1, 1], boxes: [tooLarge, tooLarge])))
        XCTAssertThrowsError(try mixer.apply(try Tensor.zeros(context, shape: [2, 16]), plan: MixingPlan(method: .mixup, partners: [1, 0], shares: [1, 1], boxes: nil)))
    }
}
