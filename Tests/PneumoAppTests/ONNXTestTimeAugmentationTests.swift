import Engine
import Foundation
import ONNXProto
import SwiftProtobuf
import XCTest
@testable import PneumoApp

/// Test-time augmentation in exported graphs: the copies are made in the graph from the
/// checkpoint's calibration record, with taps that reproduce `PlaneResampler` to the bit, the
/// logits are averaged before the temperature, and `--tta`/`--no-tta` at export say in the
/// metadata when the graph scores otherwise than the temperature was fitted. ONNX Runtime
/// running these graphs is Scripts/check-onnx.sh's job.
final class ONNXTestTimeAugmentationTests: XCTestCase {
    private var fixture: ONNXCheckpointFixture!

    override func setUpWithError() throws {
        fixture = ONNXCheckpointFixture(directory: try temporaryDirectory(self))
    }

    func testCopiesAreMadeInTheGraphAndTheirLogitsAveragedBeforeTheTemperature() throws {
        let stem = try saveCheckpoint(augmentation: .standard)
        let model = try fixture.exportAndParse(stem)
        let nodes = Dictionary(uniqueKeysWithValues: model.graph.node.map { ($0.output[0], $0) })

        let copies = try XCTUnwrap(nodes["tta/copies"])
        XCTAssertEqual(copies.opType, "Concat")
        XCTAssertEqual(copies.input, ["image"] + (1..<7).map { "tta/copy\($0)" }, "the image as it is, then each moved copy")
        XCTAssertEqual(nodes["pre/float"]?.input, ["tta/copies"], "the network reads the copies")
        let mean = try XCTUnwrap(nodes["tta/mean_logit"])
        XCTAssertEqual(mean.opType, "ReduceMean")
        XCTAssertEqual(mean.attribute.first { $0.name == "axes" }?.ints, [0])
        XCTAssertEqual(nodes["logit"]?.input, ["tta/mean_logit"])
        XCTAssertEqual(nodes["calibration/scaled"]?.input.first, "logit", "the temperature divides the mean logit")
        let byCopy = try XCTUnwrap(initializer(model, "tta/by_copy"))
        XCTAssertEqual(byCopy.int64Data, [7, -1, 1])

        let metadata = properties(model)
        XCTAssertNotNil(metadata["pneumo.test_time_augmentation.in_graph"])
        XCTAssertNil(metadata["pneumo.test_time_augmentation.calibration"], "scored as calibrated: nothing to warn of")
        let stored = try JSONDecoder().decode(TestTimeAugmentation.self, from: Data(try XCTUnwrap(metadata["pneumo.test_time_augmentation"]).utf8))
        XCTAssertEqual(stored, .standard)
    }

    func testTheGraphsTapsMoveAnImageExactlyAsThePlaneResamplerDoes() throws {
        let side = 32
        let stem = try saveCheckpoint(augmentation: .standard, side: side)
        let model = try fixture.exportAndParse(stem)
        var state: UInt32 = 12345
        let image = (0..<(side * side)).map { _ -> UInt8 in
            state = state &* 1_664_525 &+ 1_013_904_223
            return UInt8(truncatingIfNeeded: state >> 24)
        }
        for (index, variant) in TestTimeAugmentation.standard.variants.enumerated() where variant != .identity {
            let name = "tta/copy\(index)"
            let columns = try taps(model, name + "/columns"), rows = try taps(model, name + "/rows")
            // The graph's operations in its order: within rows, then within columns, then half up.
            var graphCopy = [UInt8](repeating: 0, count: side * side)
            var withinRows = [Double](repeating: 0, count: side * side)
            for y in 0..<side {
                for x in 0..<side {
                    withinRows[y * side + x] = Double(image[y * side + columns.low[x]]) * columns.lowWeight[x]
                        + Double(image[y * side + columns.high[x]]) * columns.highWeight[x]
                }
            }
            for y in 0..<side {
                for x in 0..<side {
                    let value = withinRows[rows.low[y] * side + x] * rows.lowWeight[y] + withinRows[rows.high[y] * side + x] * rows.highWeight[y]
                    let floor = value.rounded(.down)
                    graphCopy[y * side + x] = UInt8(min(255, max(0, value - floor >= 0.5 ? floor + 1 : floor)))
                }
            }
            let resampler = PlaneResampler(side: side, shiftX: variant.shiftX, shiftY: variant.shiftY, scale: variant.scale)
            XCTAssertEqual(graphCopy, resampler.resample(image, planes: 1), "\(variant)")
        }
    }

    func testOnePassExportOfACheckpointCalibratedWithCopiesSaysSo() throws {
        let stem = try saveCheckpoint(augmentation: .standard)
        let model = try fixture.exportAndParse(stem, augmentation: .off)
        XCTAssertFalse(model.graph.node.contains { $0.output[0].hasPrefix("tta/") })
        XCTAssertEqual(model.graph.node.first { $0.output[0] == "pre/float" }?.input, ["image"])
        let metadata = properties(model)
        XCTAssertNil(metadata["pneumo.test_time_augmentation"])
        XCTAssertTrue(try XCTUnwrap(metadata["pneumo.test_time_augmentation.calibration"]).contains("mean logit over 7 copies"))
    }

    func testCopiesAskedForAtExportOfAOnePassCheckpointSaySo() throws {
        let stem = try saveCheckpoint(augmentation: nil)
        XCTAssertFalse(try fixture.exportAndParse(stem).graph.node.contains { $0.output[0].hasPrefix("tta/") }, "one pass, as calibrated")
        let model = try fixture.exportAndParse(stem, augmentation: .on(.standard))
        XCTAssertTrue(model.graph.node.contains { $0.output[0] == "tta/copies" })
        XCTAssertTrue(try XCTUnwrap(properties(model)["pneumo.test_time_augmentation.calibration"]).contains("fitted on one pass"))
    }

    func testAnEnsembleAveragesOverCopiesAfterItsMembers() throws {
        let spec = try BuiltinModels.resolve("pneumonet").resized(inputSize: 32, width: 4)
        let (architecture, tensors) = try ONNXCheckpointFixture.ensemble(of: spec, temperatures: [1.5, 0.8])
        let stem = try fixture.save(architecture: architecture, input: spec.input, tensors: tensors, temperature: 1.3, augmentation: .standard)
        let model = try fixture.exportAndParse(stem)
        let nodes = Dictionary(uniqueKeysWithValues: model.graph.node.map { ($0.output[0], $0) })
        XCTAssertEqual(nodes["tta/logits_by_copy"]?.input.first, "ensemble/logit", "each copy's ensemble logit, then their mean")
        XCTAssertEqual(model.graph.node.filter { $0.opType == "Cast" && $0.input == ["tta/copies"] }.count, 1, "both members read one set of copies")
    }

    // MARK: - Helpers

    private struct Taps {
        var low: [Int], high: [Int], lowWeight: [Double], highWeight: [Double]
    }

    private func taps(_ model: Onnx_ModelProto, _ name: String) throws -> Taps {
        func doubles(_ suffix: String) throws -> [Double] {
            let tensor = try XCTUnwrap(initializer(model, name + suffix), name + suffix)
            XCTAssertEqual(tensor.dataType, Int32(Onnx_TensorProto.DataType.double.rawValue))
            return tensor.rawData.withUnsafeBytes { Array($0.bindMemory(to: Double.self)) }
        }
        func indices(_ suffix: String) throws -> [Int] {
            try XCTUnwrap(initializer(model, name + suffix), name + suffix).int64Data.map(Int.init)
        }
        return Taps(low: try indices("/low"), high: try indices("/high"), lowWeight: try doubles("/low_weight"), highWeight: try doubles("/high_weight"))
    }

    private func initializer(_ model: Onnx_ModelProto, _ name: String) -> Onnx_TensorProto? {
        model.graph.initializer.first { $0.name == name }
    }

    private func properties(_ model: Onnx_ModelProto) -> [String: String] {
        Dictionary(uniqueKeysWithValues: model.metadataProps.map { ($0.key, $0.value) })
    }

    private func saveCheckpoint(augmentation: TestTimeAugmentation?, side: Int = 32) throws -> URL {
        let spec = try BuiltinModels.resolve("pneumonet").resized(inputSize: side, width: 4)
        let tensors = ONNXCheckpointFixture.tensors(for: try ArchitecturePlan.make(spec, classes: 2), seed: 7)
        return try fixture.save(
            architecture: try JSONValue(encoding: spec), input: spec.input, tensors: tensors, temperature: 1.3, augmentation: augmentation)
    }
}
