import Engine
import OpenCLKit
import XCTest

/// Losses of mixed targets against `MixedLossReference` (Double; 1e-6 absolute + 1e-5
/// relative), against hand-computed values, against the hard-label losses at share 1, and
/// their gradients against finite differences.
final class MixedLossTests: XCTestCase {
    private func mixedLabels(_ n: Int, classes: Int, seed: UInt64) throws -> MixedLabels {
        var generator = SeededGenerator(seed: seed)
        let first = (0..<n).map { _ in generator.nextIndex(below: classes) }
        let second = (0..<n).map { _ in generator.nextIndex(below: classes) }
        // Shares include the ends, where a target is one label alone.
        let shares = (0..<n).map { i -> Float in i == 0 ? 1 : i == 1 ? 0 : generator.nextUniform() }
        return try MixedLabels(first: first, second: second, firstShare: shares)
    }

    func testBinaryMatchesReference() throws {
        let context = try TestDevice.context()
        let n = 11
        let (logits, xs) = try PointwiseFixtures.tensor(context, [n, 1], seed: 21, scale: 3)
        let mixed = try mixedLabels(n, classes: 2, seed: 22)
        for (weights, smoothing) in [([Float(1), 1], Float(0)), ([0.4, 1.7], 0), ([0.4, 1.7], 0.1)] {
            let loss = try BinaryCrossEntropy(context, classWeights: weights, labelSmoothing: smoothing)
            let value = try loss.forward(logits: logits, mixed: mixed)
            let expected = MixedLossReference.binaryCrossEntropy(logits: xs, mixed: mixed, classWeights: weights, labelSmoothing: Double(smoothing))
            assertClose(try value.toArray(), [expected.loss], absolute: 1e-6, relative: 1e-5, "binary \(weights) e=\(smoothing)")
            let gradient = try loss.backward()
            XCTAssertEqual(gradient.shape, [n, 1])
            assertClose(try gradient.toArray(), expected.gradient, absolute: 1e-6, relative: 1e-5, "binary \(weights) e=\(smoothing)")
        }
    }

    func testThreeClassesMatchReference() throws {
        let context = try TestDevice.context()
        let n = 9, classes = 3
        let (logits, xs) = try PointwiseFixtures.tensor(context, [n, classes], seed: 23, scale: 4)
        let mixed = try mixedLabels(n, classes: classes, seed: 24)
        for (weights, smoothing) in [([Float(1), 1, 1], Float(0)), ([0.5, 1, 2], 0), ([0.5, 1, 2], 0.2)] {
            let loss = try SoftmaxCrossEntropy(context, classWeights: weights, labelSmoothing: smoothing)
            let value = try loss.forward(logits: logits, mixed: mixed)
            let expected = MixedLossReference.softmaxCrossEntropy(
                logits: xs, mixed: mixed, classes: classes, classWeights: weights, labelSmoothing: Double(smoothing))
            assertClose(try value.toArray(), [expected.loss], absolute: 1e-6, relative: 1e-5, "softmax \(weights) e=\(smoothing)")
            assertClose(try loss.backward().toArray(), expected.gradient, absolute: 1e-6, relative: 1e-5, "softmax \(weights) e=\(smoothing)")
        }
        let unweighted = try SoftmaxCrossEntropy(context)
        let value = try unweighted.forward(logits: logits, mixed: mixed)
        let expected = MixedLossReference.softmaxCrossEntropy(logits: xs, mixed: mixed, classes: classes, classWeights: [1, 1, 1])
        assertClose(try value.toArray(), [expected.loss], absolute: 1e-6, relative: 1e-5, "softmax without weights")
    }

    /// Target 0.7 x 1 + 0.3 x 0 = 0.7, smoothed by 0.1 to 0.68; weight 0.7 x 0.5 + 0.3 x 2 = 0.95.
    /// At logit 0 the loss is 0.95 log 2 and its gradient 0.95 (1/2 - 0.68).
    func testBinaryTargetAndWeightByHand() throws {
        let context = try TestDevice.context()
        let loss = try BinaryCrossEntropy(context, classWeights: [2, 0.5], labelSmoothing: 0.1)
        let mixed = try MixedLabels(first: [1], second: [0], firstShare: [0.7])
        let value = try loss.forward(logits: try Tensor.zeros(context, shape: [1]), mixed: mixed).toArray()[0]
        XCTAssertEqual(value, Float(0.95 * log(2.0)), accuracy: 1e-6)
        XCTAssertEqual(try loss.backward().toArray()[0], Float(0.95 * (0.5 - 0.68)), accuracy: 1e-6)
    }

    /// Three classes, labels 2 and 0 with share 0.6: target (0.4, 0, 0.6), weight 0.6 x 3 + 0.4 x 1
    /// = 2.2. At zero logits the loss is 2.2 log 3 and the gradient 2.2 (1/3 - target).
    func testThreeClassTargetAndWeightByHand() throws {
        let context = try TestDevice.context()
        let loss = try SoftmaxCrossEntropy(context, classWeights: [1, 2, 3])
        let mixed = try MixedLabels(first: [2], second: [0], firstShare: [0.6])
        let value = try loss.forward(logits: try Tensor.zeros(context, shape: [1, 3]), mixed: mixed).toArray()[0]
        XCTAssertEqual(value, Float(2.2 * log(3.0)), accuracy: 1e-5)
        assertClose(try loss.backward().toArray(), [0.4, 0, 0.6].map { Float(2.2 * (1.0 / 3 - $0)) }, absolute: 1e-6, relative: 1e-5)
    }

    /// A share of 1 (or two equal labels) is the hard label: the same loss and gradient as the
    /// plain forward.
    func testUnmixedTargetsEqualTheHardLoss() throws {
        let context = try TestDevice.context()
        let n = 7
        let labels = [0, 1, 1, 0, 1, 0, 1]
        let (logits, _) = try PointwiseFixtures.tensor(context, [n, 1], seed: 25, scale: 3)
        let hardTargets = try Tensor(context, shape: [n], values: labels.map(Float.init))
        let mixedForms = [
            try MixedLabels(first: labels, second: labels.map { 1 - $0 }, firstShare: Array(repeating: 1, count: n)),
            try MixedLabels(first: labels, second: labels, firstShare: (0..<n).map { Float($0) / Float(n) }),
        ]
        for smoothing: Float in [0, 0.1] {
            let loss = try BinaryCrossEntropy(context, classWeights: [0.6, 1.8], labelSmoothing: smoothing)
            let hard = try loss.forward(logits: logits, targets: hardTargets).toArray()
            let hardGradient = try loss.backward().toArray()
            for mixed in mixedForms {
                assertClose(try loss.forward(logits: logits, mixed: mixed).toArray(), hard, absolute: 1e-7, relative: 1e-6)
                assertClose(try loss.backward().toArray(), hardGradient, absolute: 1e-7, relative: 1e-6)
            }
        }
        let classes = [0, 2, 1, 2, 0, 1, 1]
        let (rows, _) = try PointwiseFixtures.tensor(context, [n, 3], seed: 26, scale: 3)
        let softmax = try SoftmaxCrossEntropy(context, classWeights: [1, 0.5, 2], labelSmoothing: 0.1)
        let hard = try softmax.forward(logits: rows, targets: try Tensor(context, shape: [n], values: classes.map(Float.init))).toArray()
        let hardGradient = try softmax.backward().toArray()
        let mixed = try MixedLabels(first: classes, second: classes.map { ($0 + 1) % 3 }, firstShare: Array(repeating: 1, count: n))
        assertClose(try softmax.forward(logits: rows, mixed: mixed).toArray(), hard, absolute: 1e-7, relative: 1e-6)
        assertClose(try softmax.backward().toArray(), hardGradient, absolute: 1e-7, relative: 1e-6)
    }

    func testGradientsMatchFiniteDifferences() throws {
        let context = try TestDevice.context()
        let n = 6
        try checkFiniteDifferences(
            try BinaryCrossEntropy(context, classWeights: [0.5, 1.5], labelSmoothing: 0.1), logitShape: [n, 1],
            mixed: try mixedLabels(n, classes: 2, seed: 27), context: context)
        try checkFiniteDifferences(
            try SoftmaxCrossEntropy(context, classWeights: [0.7, 1.3, 2.0]), logitShape: [n, 3],
            mixed: try mixedLabels(n, classes: 3, seed: 28), context: context)
        try checkFiniteDifferences(
            try SoftmaxCrossEntropy(context, classWeights: [0.7, 1.3, 2.0], labelSmoothing: 0.2), logitShape: [n, 3],
            mixed: try mixedLabels(n, classes: 3, seed: 29), context: context)
    }

    func testDominantLabelAndBadLabelsAreRefused() throws {
        let mixed = try MixedLabels(first: [0, 1, 2, 1], second: [1, 0, 0, 1], firstShare: [0.3, 0.5, 0.9, 0.1])
        XCTAssertEqual(mixed.dominant, [1, 1, 2, 1], "the label with the larger share; the first on a tie")
        XCTAssertThrowsError(try MixedLabels(first: [0], second: [1], firstShare: [1.5]))
        XCTAssertThrowsError(try MixedLabels(first: [0], second: [1], firstShare: [.nan]))
        XCTAssertThrowsError(try MixedLabels(first: [0, 1], second: [1], firstShare: [0.5]))
        let context = try TestDevice.context()
        XCTAssertThrowsError(try BinaryCrossEntropy(context).forward(
            logits: try Tensor.zeros(context, shape: [1]), mixed: try MixedLabels(first: [2], second: [0], firstShare: [0.5])))
        XCTAssertThrowsError(try SoftmaxCrossEntropy(context, classWeights: [1, 1]).forward(
            logits: try Tensor.zeros(context, shape: [1, 3]), mixed: try MixedLabels(first: [2], second: [0], firstShare: [0.5])))
        XCTAssertThrowsError(try SoftmaxCrossEntropy(context).forward(
            logits: try Tensor.zeros(context, shape: [2, 3]), mixed: try MixedLabels(first: [0], second: [0], firstShare: [0.5])))
    }

    /// Perturbs each logit by ±epsilon and compares the slope of the mixed loss with backward().
    private func checkFiniteDifferences(
        _ loss: Loss, logitShape: [Int], mixed: MixedLabels, context: ComputeContext, file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let epsilon: Float = 1e-2
        let (logits, xs) = try PointwiseFixtures.tensor(context, logitShape, seed: 3, scale: 2)
        _ = try loss.forward(logits: logits, mixed: mixed)
        let analytic = try loss.backward().toArray()
        for i in xs.indices {
            try logits.buffer.write([xs[i] + epsilon], offset: i)
            let plus = try loss.forward(logits: logits, mixed: mixed).toArray()[0]
            try logits.buffer.write([xs[i] - epsilon], offset: i)
            let minus = try loss.forward(logits: logits, mixed: mixed).toArray()[0]
            try logits.buffer.write([xs[i]], offset: i)
            let numeric = (plus - minus) / (2 * epsilon)
            XCTAssertEqual(analytic[i], numeric, accuracy: 1e-4 + 1e-2 * abs(numeric), "\(loss.kind)[\(i)]", file: file, line: line)
        }
    }
}
