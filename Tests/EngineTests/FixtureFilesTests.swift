import XCTest

/// The bundled reference fixtures are complete and self-consistent, so a failing kernel test
/// points at the kernel rather than at a truncated or mislabelled file.
final class FixtureFilesTests: XCTestCase {
    func testEveryFixtureDecodesWithShapesMatchingData() throws {
        let fixtures = try Fixtures.all()
        let ops = Set(fixtures.map(\.op))
        let expectedOps: Set<String> = [
            "conv2d", "max_pool2d", "avg_pool2d", "global_avg_pool", "batch_norm_train", "batch_norm_eval",
            "dense", "bce_with_logits_weighted", "softmax_cross_entropy_weighted", "adam", "adamw", "sgd",
        ]
        XCTAssertEqual(expectedOps.subtracting(ops), [], "fixtures missing for these ops")

        for fixture in fixtures {
            XCTAssertFalse(fixture.tensors.isEmpty, fixture.name)
            for (tensorName, stored) in fixture.tensors {
                let label = "\(fixture.name).\(tensorName)"
                XCTAssertFalse(stored.shape.isEmpty, label)
                XCTAssertTrue(stored.shape.allSatisfy { $0 > 0 }, "\(label) shape \(stored.shape)")
                XCTAssertEqual(stored.shape.reduce(1, *), stored.data.count, "\(label) shape \(stored.shape)")
                XCTAssertTrue(stored.data.allSatisfy(\.isFinite), "\(label) has non-finite values")
                // A gradient has the shape of what it differentiates.
                if tensorName.hasPrefix("grad_"), let base = fixture.tensors[String(tensorName.dropFirst(5))] {
                    XCTAssertEqual(stored.shape, base.shape, label)
                }
            }
        }
    }

    func testConvolutionOutputShapesFollowTheirConfig() throws {
        let convolutions = try Fixtures.all(op: "conv2d")
        XCTAssertGreaterThanOrEqual(convolutions.count, 4)
        for fixture in convolutions {
            let (kernel, stride, pad) = (try fixture.int("kernel"), try fixture.int("stride"), try fixture.ints("pad"))
            let input = try fixture.tensor("input").shape
            let weight = try fixture.tensor("weight").shape
            let output = try fixture.tensor("output").shape
            XCTAssertEqual(weight, [output[1], input[1], kernel, kernel], fixture.name)
            XCTAssertEqual(output[0], input[0], fixture.name)
            XCTAssertEqual(output[2], (input[2] + pad[0] + pad[1] - kernel) / stride + 1, fixture.name)
            XCTAssertEqual(output[3], (input[3] + pad[2] + pad[3] - kernel) / stride + 1, fixture.name)
            if fixture.config["padding"]?.string == "same" {
                // TensorFlow's convention: out = ceil(in / stride).
                XCTAssertEqual(output[2], (input[2] + stride - 1) / stride, fixture.name)
                XCTAssertEqual(output[3], (input[3] + stride - 1) / stride, fixture.name)
            }
        }
    }

    /// Reads the dense fixture the way a kernel test will (row-major, weight [out, in]) and
    /// recomputes its output, which fails if the loader or the layout convention is wrong.
    func testDenseFixtureMatchesItsLayout() throws {
        let fixture = try Fixtures.load("dense")
        let x = try fixture.tensor("input"), w = try fixture.tensor("weight"), b = try fixture.tensor("bias")
        let y = try fixture.tensor("output")
        let (batch, inputs, outputs) = (x.shape[0], x.shape[1], w.shape[0])
        XCTAssertEqual(w.shape, [outputs, inputs])
        var expected = [Float](repeating: 0, count: batch * outputs)
        for n in 0..<batch {
            for o in 0..<outputs {
                var sum = Double(b.data[o])
                for i in 0..<inputs { sum += Double(x.data[n * inputs + i]) * Double(w.data[o * inputs + i]) }
                expected[n * outputs + o] = Float(sum)
            }
        }
        assertClose(y.data, expected, absolute: 1e-6, relative: 1e-6)
    }

    func testMissingTensorErrorNamesWhatExists() throws {
        let fixture = try Fixtures.load("dense")
        XCTAssertThrowsError(try fixture.tensor("no_such_tensor")) { error in
            let text = String(describing: error)
            XCTAssertTrue(text.contains("dense") && text.contains("no_such_tensor") && text.contains("weight"), text)
        }
        XCTAssertThrowsError(try Fixtures.load("no_such_fixture"))
    }
}
