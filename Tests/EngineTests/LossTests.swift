import Engine
import OpenCLKit
import XCTest

/// Losses against `LossReference` (Double): tolerance 1e-6 absolute + 1e-5 relative on the
/// loss and the logit gradients; finite differences (central, epsilon 1e-2) agree within
/// 1e-4 + 1e-2 relative.
final class LossTests: XCTestCase {
    private func binaryTargets(_ n: Int, seed: UInt64) -> [Float] {
        PointwiseFixtures.uniform(n, seed: seed, in: 0...1).map { $0 < 0.4 ? 1 : 0 }
    }

    private func classTargets(_ n: Int, classes: Int, seed: UInt64) -> [Float] {
        PointwiseFixtures.uniform(n, seed: seed, in: 0...1).map { Float(min(classes - 1, Int($0 * Float(classes)))) }
    }

    func testBinaryCrossEntropyMatchesReference() throws {
        let context = try TestDevice.context()
        for (k, logitShape) in [[1], [7], [33, 1], [1, 1]].enumerated() {
            let n = logitShape[0]
            let (logits, xs) = try PointwiseFixtures.tensor(context, logitShape, seed: UInt64(k), scale: 3)
            let ys = binaryTargets(n, seed: UInt64(20 + k))
            let loss = try BinaryCrossEntropy(context, classWeights: [0.3, 2.0])
            let value = try loss.forward(logits: logits, targets: try Tensor(context, shape: [n], values: ys))
            let gradient = try loss.backward()
            let expected = LossReference.binaryCrossEntropy(logits: xs, targets: ys, classWeights: [0.3, 2.0])
            XCTAssertEqual(value.shape, [1])
            assertClose(try value.toArray(), [expected.loss], absolute: 1e-6, relative: 1e-5, "\(logitShape)")
            XCTAssertEqual(gradient.shape, logitShape)
            assertClose(try gradient.toArray(), expected.gradient, absolute: 1e-6, relative: 1e-5, "\(logitShape)")
        }
    }

    func testBinaryCrossEntropyIsStableForLargeLogits() throws {
        let context = try TestDevice.context()
        let xs: [Float] = [-100, -30, 0, 30, 100, 100]
        let ys: [Float] = [1, 0, 1, 1, 0, 1]
        let loss = try BinaryCrossEntropy(context)
        let value = try loss.forward(
            logits: try Tensor(context, shape: [6], values: xs), targets: try Tensor(context, shape: [6], values: ys))
        let expected = LossReference.binaryCrossEntropy(logits: xs, targets: ys, classWeights: [1, 1])
        XCTAssertEqual(try value.toArray()[0], expected.loss, accuracy: 1e-4)
        let gradient = try loss.backward().toArray()
        XCTAssertTrue(gradient.allSatisfy(\.isFinite))
        assertClose(gradient, expected.gradient, absolute: 1e-6, relative: 1e-5)
    }

    func testSoftmaxCrossEntropyMatchesReference() throws {
        let context = try TestDevice.context()
        for (k, (n, classes)) in [(1, 2), (7, 3), (33, 5)].enumerated() {
            let (logits, xs) = try PointwiseFixtures.tensor(context, [n, classes], seed: UInt64(k), scale: 5)
            let ts = classTargets(n, classes: classes, seed: UInt64(30 + k))
            let weights = PointwiseFixtures.uniform(classes, seed: UInt64(40 + k), in: 0.2...3)
            for classWeights in [weights, nil] {
                let loss = try SoftmaxCrossEntropy(context, classWeights: classWeights)
                let value = try loss.forward(logits: logits, targets: try Tensor(context, shape: [n], values: ts))
                let expected = LossReference.softmaxCrossEntropy(
                    logits: xs, targets: ts, classes: classes,
                    classWeights: classWeights ?? [Float](repeating: 1, count: classes))
                let label = "\(n)x\(classes) weighted \(classWeights != nil)"
                assertClose(try value.toArray(), [expected.loss], absolute: 1e-6, relative: 1e-5, label)
                assertClose(try loss.backward().toArray(), expected.gradient, absolute: 1e-6, relative: 1e-5, label)
            }
        }
    }

    /// Loss and logit gradients against torch (weighted per sample, then mean over N).
    func testMatchesPyTorchFixtures() throws {
        let context = try TestDevice.context()
        let fixtures = try Fixtures.all(op: "bce_with_logits_weighted") + Fixtures.all(op: "softmax_cross_entropy_weighted")
        XCTAssertGreaterThanOrEqual(fixtures.count, 2)
        for fixture in fixtures {
            let logits = try fixture.tensor("logits"), targets = try fixture.tensor("targets")
            let weights = try fixture.tensor("weights").data
            let loss: Loss = fixture.op == "bce_with_logits_weighted"
                ? try BinaryCrossEntropy(context, classWeights: weights)
                : try SoftmaxCrossEntropy(context, classWeights: weights)
            let value = try loss.forward(
                logits: try Tensor(context, shape: logits.shape, values: logits.data),
                targets: try Tensor(context, shape: targets.shape, values: targets.data))
            assertClose(try value.toArray(), try fixture.tensor("loss").data, absolute: 1e-6, relative: 1e-5, fixture.name)
            assertClose(try loss.backward().toArray(), try fixture.tensor("grad_logits").data, absolute: 1e-6, relative: 1e-5, fixture.name)
        }
    }

    func testGradientsMatchFiniteDifferences() throws {
        let context = try TestDevice.context()
        let n = 5
        let binary = try BinaryCrossEntropy(context, classWeights: [0.5, 1.5])
        try checkFiniteDifferences(
            binary, logitShape: [n, 1], targets: try Tensor(context, shape: [n], values: binaryTargets(n, seed: 1)),
            context: context)
        let softmax = try SoftmaxCrossEntropy(context, classWeights: [0.7, 1.3, 2.0])
        try checkFiniteDifferences(
            softmax, logitShape: [n, 3], targets: try Tensor(context, shape: [n], values: classTargets(n, classes: 3, seed: 2)),
            context: context)
    }

    func testLabelSmoothingMatchesReference() throws {
        let context = try TestDevice.context()
        let n = 9
        let (logits, xs) = try PointwiseFixtures.tensor(context, [n, 1], seed: 5, scale: 3)
        let ys = binaryTargets(n, seed: 6)
        for smoothing: Float in [0.05, 0.2] {
            let loss = try BinaryCrossEntropy(context, classWeights: [0.4, 1.7], labelSmoothing: smoothing)
            let value = try loss.forward(logits: logits, targets: try Tensor(context, shape: [n], values: ys))
            let expected = LossReference.binaryCrossEntropy(
                logits: xs, targets: ys, classWeights: [0.4, 1.7], labelSmoothing: Double(smoothing))
            assertClose(try value.toArray(), [expected.loss], absolute: 1e-6, relative: 1e-5, "binary e=\(smoothing)")
            assertClose(try loss.backward().toArray(), expected.gradient, absolute: 1e-6, relative: 1e-5, "binary e=\(smoothing)")
        }
        let classes = 4
        let (rows, rowValues) = try PointwiseFixtures.tensor(context, [n, classes], seed: 7, scale: 4)
        let ts = classTargets(n, classes: classes, seed: 8)
        let weights: [Float] = [0.5, 1, 2, 1.5]
        for smoothing: Float in [0.1, 0.3] {
            let loss = try SoftmaxCrossEntropy(context, classWeights: weights, labelSmoothing: smoothing)
            let value = try loss.forward(logits: rows, targets: try Tensor(context, shape: [n], values: ts))
            let expected = LossReference.softmaxCrossEntropy(
                logits: rowValues, targets: ts, classes: classes, classWeights: weights, labelSmoothing: Double(smoothing))
            assertClose(try value.toArray(), [expected.loss], absolute: 1e-6, relative: 1e-5, "softmax e=\(smoothing)")
            assertClose(try loss.backward().toArray(), expected.gradient, absolute: 1e-6, relative: 1e-5, "softmax e=\(smoothing)")
        }
    }

    func testLabelSmoothingGradientsMatchFiniteDifferences() throws {
        let context = try TestDevice.context()
        let n = 5
        try checkFiniteDifferences(
            try BinaryCrossEntropy(context, classWeights: [0.5, 1.5], labelSmoothing: 0.1), logitShape: [n, 1],
            targets: try Tensor(context, shape: [n], values: binaryTargets(n, seed: 1)), context: context)
        try checkFiniteDifferences(
            try SoftmaxCrossEntropy(context, classWeights: [0.7, 1.3, 2.0], labelSmoothing: 0.2), logitShape: [n, 3],
            targets: try Tensor(context, shape: [n], values: classTargets(n, classes: 3, seed: 2)), context: context)
    }

    /// With smoothing e the loss of a positive sample is smallest where sigmoid(x) = 1 - e / 2, a
    /// finite logit, instead of growing without end towards x = infinity.
    func testSmoothedBinaryLossStopsPushingLogitsApart() throws {
        let context = try TestDevice.context()
        let smoothing: Float = 0.1
        let optimum = log((1 - smoothing / 2) / (smoothing / 2))
        let loss = try BinaryCrossEntropy(context, labelSmoothing: smoothing)
        let logits = try Tensor(context, shape: [3], values: [optimum - 1, optimum, optimum + 1])
        _ = try loss.forward(logits: logits, targets: try Tensor(context, shape: [3], values: [1, 1, 1]))
        let gradient = try loss.backward().toArray()
        XCTAssertLessThan(gradient[0], 0)
        XCTAssertEqual(gradient[1], 0, accuracy: 1e-6)
        XCTAssertGreaterThan(gradient[2], 0)
        let plain = try BinaryCrossEntropy(context)
        _ = try plain.forward(logits: logits, targets: try Tensor(context, shape: [3], values: [1, 1, 1]))
        XCTAssertTrue(try plain.backward().toArray().allSatisfy { $0 < 0 })
    }

    func testLabelSmoothingOutsideItsRangeIsRefused() throws {
        let context = try TestDevice.context()
        for bad: Float in [-0.1, 1, .nan] {
            XCTAssertThrowsError(try BinaryCrossEntropy(context, labelSmoothing: bad), "\(bad)")
            XCTAssertThrowsError(try SoftmaxCrossEntropy(context, labelSmoothing: bad), "\(bad)")
        }
    }

    /// Perturbs each logit by ±epsilon and compares the slope of the loss with backward().
    private func checkFiniteDifferences(
        _ loss: Loss, logitShape: [Int], targets: Tensor, context: ComputeContext, file: StaticString = #filePath,
        line: UInt = #line
    ) throws {
        let epsilon: Float = 1e-2
        let (logits, xs) = try PointwiseFixtures.tensor(context, logitShape, seed: 3, scale: 2)
        _ = try loss.forward(logits: logits, targets: targets)
        let analytic = try loss.backward().toArray()
        for i in xs.indices {
            try logits.buffer.write([xs[i] + epsilon], offset: i)
            let plus = try loss.forward(logits: logits, targets: targets).toArray()[0]
            try logits.buffer.write([xs[i] - epsilon], offset: i)
            let minus = try loss.forward(logits: logits, targets: targets).toArray()[0]
            try logits.buffer.write([xs[i]], offset: i)
            let numeric = (plus - minus) / (2 * epsilon)
            XCTAssertEqual(analytic[i], numeric, accuracy: 1e-4 + 1e-2 * abs(numeric), "\(loss.kind)[\(i)]", file: file, line: line)
        }
    }

    func testInvalidTargetsGiveNaN() throws {
        let context = try TestDevice.context()
        let binary = try BinaryCrossEntropy(context)
        let value = try binary.forward(
            logits: try Tensor.zeros(context, shape: [3]), targets: try Tensor(context, shape: [3], values: [0, 2, 1]))
        XCTAssertTrue(try value.toArray()[0].isNaN)
        let softmax = try SoftmaxCrossEntropy(context)
        for bad: Float in [3, 1.5, -1] {
            let value = try softmax.forward(
                logits: try Tensor.zeros(context, shape: [2, 3]), targets: try Tensor(context, shape: [2], values: [0, bad]))
            XCTAssertTrue(try value.toArray()[0].isNaN, "target \(bad)")
            let gradient = try softmax.backward().toArray()
            XCTAssertTrue(gradient[3...].allSatisfy(\.isNaN) && gradient[..<3].allSatisfy(\.isFinite), "target \(bad)")
        }
    }

    func testBadConfigurationAndShapesThrow() throws {
        let context = try TestDevice.context()
        XCTAssertThrowsError(try BinaryCrossEntropy(context, classWeights: [1, 2, 3]))
        XCTAssertThrowsError(try BinaryCrossEntropy(context, classWeights: [1, -2]))
        XCTAssertThrowsError(try SoftmaxCrossEntropy(context, classWeights: [1, .nan]))
        XCTAssertThrowsError(try SoftmaxCrossEntropy(context, classWeights: []))
        XCTAssertThrowsError(try BinaryCrossEntropy(context).backward())
        XCTAssertThrowsError(try SoftmaxCrossEntropy(context).backward())

        let binary = try BinaryCrossEntropy(context)
        XCTAssertThrowsError(try binary.forward(logits: try Tensor.zeros(context, shape: [4, 2]), targets: try Tensor.zeros(context, shape: [4])))
        XCTAssertThrowsError(try binary.forward(logits: try Tensor.zeros(context, shape: [4]), targets: try Tensor.zeros(context, shape: [5])))
        let softmax = try SoftmaxCrossEntropy(context, classWeights: [1, 2])
        XCTAssertThrowsError(try softmax.forward(logits: try Tensor.zeros(context, shape: [4, 3]), targets: try Tensor.zeros(context, shape: [4])))
        XCTAssertThrowsError(try softmax.forward(logits: try Tensor.zeros(context, shape: [4]), targets: try Tensor.zeros(context, shape: [4])))
        XCTAssertThrowsError(try softmax.forward(logits: try Tensor.zeros(context, shape: [4, 2]), targets: try Tensor.zeros(context, shape: [3])))
    }
}
