import Engine
import Foundation
import OpenCLKit
import XCTest
@testable import PneumoApp

/// Damaged or hostile checkpoints are refused with the file and the reason, before anything is
/// built on the device, and a model that outputs NaN never yields an answer.
final class CheckpointSanityTests: XCTestCase {
    private var context: ComputeContext!
    private var directory: URL!

    override func setUpWithError() throws {
        context = try ComputeContext(device: try DeviceSelector.choose(flag: "cpu").device)
        directory = try temporaryDirectory(self)
    }

    /// Saves the tiny model (with `tensors` if given) and returns its stem.
    private func saved(_ tensors: [NamedTensor]? = nil, threshold: Double? = nil) throws -> URL {
        let model = try TrainedModel(spec: TrainedModelTests.tiny, classNames: ["normal", "pneumonia"], context: context, seed: 3)
        var metadata = CheckpointMetadata(
            architecture: try JSONValue(encoding: model.spec), input: InputSpec(width: 12, height: 12, channels: 1),
            preprocessing: .object([:]), classNames: model.classNames, threshold: nil, trainingOptions: .object([:]),
            metrics: [:], dataFingerprint: "test", engineVersion: "test")
        metadata.threshold = threshold.map {
            ThresholdChoice(strategy: .youden, threshold: $0, sensitivity: 1, specificity: 1, chosenOn: "validation")
        }
        let stem = directory.appendingPathComponent("model")
        try CheckpointStore.save(tensors: try tensors ?? model.weightTensors(), metadata: metadata, to: stem)
        return stem
    }

    /// Rewrites the metadata JSON through `edit`, as a careless or hostile hand would.
    private func editMetadata(_ stem: URL, _ edit: (inout [String: Any]) -> Void) throws {
        let file = stem.appendingPathExtension("json")
        var object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any])
        edit(&object)
        try JSONSerialization.data(withJSONObject: object).write(to: file)
    }

    private func firstLayer(_ object: inout [String: Any], _ edit: (inout [String: Any]) -> Void) {
        var architecture = object["architecture"] as! [String: Any]
        var layers = architecture["layers"] as! [[String: Any]]
        edit(&layers[0])
        architecture["layers"] = layers
        object["architecture"] = architecture
    }

    private func loadError(_ stem: URL) -> String {
        do {
            _ = try TrainedModel.load(from: stem, context: context)
            return "loaded"
        } catch {
            return "\(error)"
        }
    }

    func testAbsurdLayerSizeIsRefusedBeforeBuilding() throws {
        let stem = try saved()
        try editMetadata(stem) { object in firstLayer(&object) { $0["filters"] = 1_000_000_000 } }
        let message = loadError(stem)
        XCTAssertTrue(message.contains("past the limit") && message.contains("filters 1000000000"), message)
    }

    func testArchitectureThatDisagreesWithTheWeightsHeaderIsRefusedByTensor() throws {
        let stem = try saved()
        try editMetadata(stem) { object in firstLayer(&object) { $0["filters"] = 6 } }
        let message = loadError(stem)
        XCTAssertTrue(message.contains("does not fit") && message.contains("needs [6"), message)
    }

    func testPlanMatchesWhatTheBuilderBuildsForEveryBuiltinModel() throws {
        for name in BuiltinModels.names {
            let spec = try BuiltinModels.resolve(name)
            let network = try ModelBuilder.build(spec, classes: 2, context: context, seed: 1)
            let plan = try ArchitecturePlan.make(spec, classes: 2)
            let built = network.namedParameters.map { ($0.name, $0.parameter.value.shape) } + network.namedBuffers.map { ($0.name, $0.tensor.shape) }
            XCTAssertEqual(plan.tensors, Dictionary(uniqueKeysWithValues: built), name)
            XCTAssertEqual(plan.parameterCount, network.parameterCount, name)
        }
    }

    func testThresholdOutsideZeroToOneIsRefused() throws {
        let stem = try saved(threshold: 0.4)
        try editMetadata(stem) { object in
            var threshold = object["threshold"] as! [String: Any]
            threshold["threshold"] = 1.5
            object["threshold"] = threshold
        }
        let message = loadError(stem)
        XCTAssertTrue(message.contains("1.5") && message.contains("[0, 1]"), message)
    }

    func testWeightsFileOutsideTheCheckpointFolderIsNeverOpened() throws {
        let stem = try saved()
        try editMetadata(stem) { object in
            var weights = object["weights"] as! [String: Any]
            weights["file"] = "../../../../etc/passwd"
            object["weights"] = weights
        }
        let message = loadError(stem)
        XCTAssertTrue(message.contains("not a file name beside the metadata"), message)
    }

    func testNonFiniteWeightIsRefusedByName() throws {
        let model = try TrainedModel(spec: TrainedModelTests.tiny, classNames: ["normal", "pneumonia"], context: context, seed: 3)
        var tensors = try model.weightTensors()
        let index = try XCTUnwrap(tensors.firstIndex { $0.name == "0.bias" })
        tensors[index].values[1] = .nan
        let message = loadError(try saved(tensors))
        XCTAssertTrue(message.contains("0.bias") && message.contains("nan"), message)
    }

    func testNegativeVarianceIsRefusedByName() throws {
        let model = try TrainedModel(spec: TrainedModelTests.tiny, classNames: ["normal", "pneumonia"], context: context, seed: 3)
        var tensors = try model.weightTensors()
        let index = try XCTUnwrap(tensors.firstIndex { $0.name.hasSuffix("running_var") })
        tensors[index].values[0] = -0.5
        let message = loadError(try saved(tensors))
        XCTAssertTrue(message.contains("running_var") && message.contains("negative variance"), message)
    }

    func testNonFiniteOutputIsAnErrorNamingTheImageNeverANegative() throws {
        let root = try EvaluateFixture.dataSet(in: directory)
        let model = try EvaluateFixture.model(classNames: ["normal", "pneumonia"], context: context)
        var tensors = try model.weightTensors()
        let bias = try XCTUnwrap(tensors.firstIndex { $0.name.hasSuffix("bias") })
        tensors[bias].values = [.nan]
        try model.setWeights(tensors)
        XCTAssertThrowsError(try Predictor.run(model: model, paths: [root.appendingPathComponent("val")])) { error in
            let failure = error as? NonFiniteOutputError
            XCTAssertNotNil(failure, "\(error)")
            XCTAssertTrue(failure?.file?.hasSuffix(".jpeg") ?? false, "\(error)")
            XCTAssertTrue("\(error)".contains("train again"), "\(error)")
        }
        let gradCAMModel = try TrainedModel(spec: TrainedModelTests.tiny, classNames: ["normal", "pneumonia"], context: context, seed: 3)
        var camTensors = try gradCAMModel.weightTensors()
        let last = try XCTUnwrap(camTensors.lastIndex { $0.name.hasSuffix(".bias") })
        camTensors[last].values = camTensors[last].values.map { _ in .infinity }
        try gradCAMModel.setWeights(camTensors)
        XCTAssertThrowsError(try GradCAM(model: gradCAMModel).explain(images: [Float](repeating: 0.5, count: 144), count: 1)) { error in
            XCTAssertTrue(error is NonFiniteOutputError, "\(error)")
        }
    }
}
