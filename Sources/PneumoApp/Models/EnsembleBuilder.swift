import Engine
import Foundation
import OpenCLKit

/// Joins trained checkpoints into one ensemble checkpoint: `pneumo ensemble`. Its probability
/// is the mean of its members' calibrated probabilities, calibrated again as a whole and given
/// its own threshold and operating points on the validation images the members share.
public enum EnsembleBuilder {
    /// Builds the ensemble of `checkpoints`, saves it at `output` and calibrates it on the
    /// validation data under `dataRoot`; returns its metadata. Nothing is left at `output` when
    /// any step fails. `augmentation` `.asStored` scores the ensemble with test-time
    /// augmentation when every member was calibrated with it (each copy then goes through every
    /// member, and the means of their probabilities are averaged as logits).
    @discardableResult
    public static func build(
        _ checkpoints: [URL], output: URL, dataRoot: URL, context: ComputeContext, cacheDirectory: URL? = nil,
        useCache: Bool = true, batchSize: Int = 32, augmentation: TestTimeAugmentationChoice = .asStored,
        log: (String) -> Void = { _ in }
    ) throws -> CheckpointMetadata {
        guard checkpoints.count >= 2 else {
            throw EvaluationError.invalidOption("an ensemble needs at least 2 checkpoints, got \(checkpoints.count)")
        }
        let members = try checkpoints.map { try TrainedModel.load(from: $0, context: context) }
        let first = members[0]
        guard let base = first.metadata else { throw EvaluationError.invalidOption("\(checkpoints[0].path) has no metadata") }
        try checkCompatible(members, paths: checkpoints)
        let architecture = EnsembleArchitecture(members: zip(members, checkpoints).map { member, path in
            EnsembleArchitecture.Member(
                architecture: member.spec, temperature: member.temperature, source: CheckpointPaths(path).metadata.path,
                familiarity: member.familiarity)
        })
        let tensors = try members.enumerated().flatMap { index, member in
            try member.weightTensors().map {
                NamedTensor(name: EnsembleArchitecture.prefix(index) + $0.name, shape: $0.shape, values: $0.values)
            }
        }
        var metadata = CheckpointMetadata(
            architecture: try JSONValue(encoding: architecture), input: base.input, preprocessing: try JSONValue(encoding: first.preprocessing),
            classNames: base.classNames, threshold: base.threshold, trainingOptions: base.trainingOptions,
            metrics: ["members": Double(members.count)], dataFingerprint: base.dataFingerprint, engineVersion: base.engineVersion)
        metadata.warnings = members.enumerated().flatMap { index, member in
            (member.metadata?.warnings ?? []).map { "member \(index): \($0)" }
        }
        let paths = try CheckpointStore.save(tensors: tensors, metadata: metadata, to: output)
        // The ensemble is new, so "as stored" means as its members were calibrated, if all alike.
        let shared = members[0].scoringAugmentation
        let membersAugmentation = members.allSatisfy { $0.scoringAugmentation == shared } ? shared : nil
        let choice = augmentation == .asStored ? membersAugmentation.map { TestTimeAugmentationChoice.on($0) } ?? .off : augmentation
        do {
            log("saved \(architecture.name) at \(paths.metadata.path); calibrating it as a whole")
            return try Calibrator.calibrate(
                checkpoint: output, dataRoot: dataRoot, context: context, cacheDirectory: cacheDirectory, useCache: useCache,
                batchSize: batchSize, augmentation: choice, log: log)
        } catch {
            // An uncalibrated ensemble would carry its first member's threshold: not one to use.
            try? FileManager.default.removeItem(at: paths.metadata)
            try? FileManager.default.removeItem(at: paths.weights)
            throw error
        }
    }

    /// Members must be single networks with one input and one class list, trained on the same data
    /// and validated on the same images, or the ensemble's calibration would see training images.
    static func checkCompatible(_ members: [TrainedModel], paths: [URL]) throws {
        let first = members[0]
        let validation = ValidationSource(trainingOptions: first.metadata?.trainingOptions ?? .null)
        for (member, path) in zip(members, paths) {
            let name = CheckpointPaths(path).metadata.path
            guard member.members.isEmpty else { throw EvaluationError.invalidOption("\(name) is an ensemble already; list its members instead") }
            guard member.classNames == first.classNames else {
                throw EvaluationError.invalidOption("\(name) has classes \(member.classNames), the first member \(first.classNames)")
            }
            guard member.spec.input == first.spec.input else {
                throw EvaluationError.invalidOption("\(name) takes \(member.spec.input.size) px x \(member.spec.input.channels), the first member \(first.spec.input.size) px x \(first.spec.input.channels)")
            }
            // An ensemble checkpoint records one preprocessing, which all its members then use.
            guard member.preprocessing == first.preprocessing else {
                throw EvaluationError.invalidOption("\(name) prepares its input as \(member.preprocessing), the first member as \(first.preprocessing)")
            }
            guard member.metadata?.dataFingerprint == first.metadata?.dataFingerprint else {
                throw EvaluationError.invalidOption("\(name) was trained on other data than the first member (data fingerprints differ)")
            }
            let own = ValidationSource(trainingOptions: member.metadata?.trainingOptions ?? .null)
            guard own == validation else {
                throw EvaluationError.invalidOption(
                    "\(name) was validated on \(own), the first member on \(validation): the ensemble would be calibrated on images "
                        + "some members trained on; train the members with one --split-seed")
            }
        }
    }
}
