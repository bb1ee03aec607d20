import Engine
import Foundation
import ONNXProto
import SwiftProtobuf
import XCTest
@testable import PneumoApp

/// Checkpoints with seeded weights saved into a test's folder, and their ONNX exports read
/// back: what the export tests share.
struct ONNXCheckpointFixture {
    let directory: URL

    /// Saves a checkpoint; with a temperature it records a calibration (with `augmentation`'s copies).
    func save(
        architecture: JSONValue, input: ArchitectureSpec.Input, tensors: [NamedTensor], classNames: [String] = ["normal", "pneumonia"],
        temperature: Double? = nil, threshold: Double? = nil, augmentation: TestTimeAugmentation? = nil
    ) throws -> URL {
        var metadata = CheckpointMetadata(
            architecture: architecture, input: InputSpec(width: input.size, height: input.size, channels: input.channels),
            preprocessing: .object([:]), classNames: classNames, threshold: nil, trainingOptions: .object([:]),
            metrics: [:], dataFingerprint: "test", engineVersion: "test")
        metadata.threshold = threshold.map {
            ThresholdChoice(strategy: .youden, threshold: $0, sensitivity: 1, specificity: 1, chosenOn: "validation")
        }
        if let temperature {
            let metrics = CalibrationMetrics(expectedCalibrationError: 0, brierScore: 0, negativeLogLikelihood: 0, bins: [])
            metadata.calibration = CalibrationRecord(
                temperature: temperature, fittedOn: "validation", images: 10, before: metrics, after: metrics, testTimeAugmentation: augmentation)
        }
        let stem = directory.appendingPathComponent("checkpoint-\(UUID().uuidString)/model")
        try CheckpointStore.save(tensors: tensors, metadata: metadata, to: stem)
        return stem
    }

    /// The architecture and tensors of an ensemble of `spec` with one member per temperature,
    /// each member seeded differently.
    static func ensemble(of spec: ArchitectureSpec, temperatures: [Double]) throws -> (architecture: JSONValue, tensors: [NamedTensor]) {
        let members = temperatures.enumerated().map { index, temperature in
            EnsembleArchitecture.Member(architecture: spec, temperature: temperature, source: "member \(index)")
        }
        let plan = try ArchitecturePlan.make(spec, classes: 2)
        let tensors = members.indices.flatMap { index in
            Self.tensors(for: plan, seed: UInt64(index + 1)).map {
                NamedTensor(name: EnsembleArchitecture.prefix(index) + $0.name, shape: $0.shape, values: $0.values)
            }
        }
        return (try JSONValue(encoding: EnsembleArchitecture(members: members)), tensors)
    }

    /// Seeded values for every tensor of `plan`; running variances positive.
    static func tensors(for plan: ArchitecturePlan, seed: UInt64) -> [NamedTensor] {
        var state = seed &* 6_364_136_223_846_793_005 &+ 1
        func next() -> Float {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(state >> 40) / Float(1 << 24) - 0.5
        }
        return plan.tensors.keys.sorted().map { name in
            let shape = plan.tensors[name]!
            let values = (0..<shape.reduce(1, *)).map { _ in name.hasSuffix("running_var") ? 1 + abs(next()) : next() }
            return NamedTensor(name: name, shape: shape, values: values)
        }
    }

    /// Exports `stem` and parses the file, checking the summary's size against it.
    func exportAndParse(_ stem: URL, augmentation: TestTimeAugmentationChoice = .asStored) throws -> Onnx_ModelProto {
        let output = directory.appendingPathComponent("model-\(UUID().uuidString).onnx")
        let summary = try ONNXModelExport.export(checkpointAt: stem, to: output, augmentation: augmentation)
        let data = try Data(contentsOf: output)
        XCTAssertEqual(summary.bytes, data.count)
        return try Onnx_ModelProto(serializedBytes: data)
    }
}
