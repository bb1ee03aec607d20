import Engine
import Foundation
import OpenCLKit

/// Writes a session's model and resume checkpoints, and restores a session from a resume checkpoint.
extension TrainingSession {
    /// Prefix of the optimizer's state tensors in a resume checkpoint's weights file.
    static let optimizerPrefix = "optimizer."
    /// Written into every checkpoint so a reader knows which engine trained it.
    static let engineVersion = "pneumo-engine-\(BinaryCache.engineVersion)"

    /// The options plus what they resolved to on this data: class weights in use and image counts.
    var trainingRecord: JSONValue {
        get throws {
            guard case var .object(fields) = try JSONValue(encoding: options) else { return try JSONValue(encoding: options) }
            var resolved: [String: JSONValue] = [
                "class_weights": classWeights.map { .array($0.map(JSONValue.number)) } ?? .null,
                "class_names": .array(classNames.map(JSONValue.string)),
                "train_images_per_class": .array(trainCounts.map(JSONValue.integer)),
                "validation_images_per_class": .array(validationCounts.map(JSONValue.integer)),
                "batches_per_epoch": .integer(stepsPerEpoch),
                "parameters": .integer(network.parameterCount),
            ]
            if group.size > 1 {
                // batch_size stays the per-process batch the run was started with.
                resolved["processes"] = .integer(group.size)
                resolved["global_batch_size"] = .integer(options.batchSize * group.size)
            }
            fields["resolved"] = .object(resolved)
            return .object(fields)
        }
    }

    /// Metadata for a checkpoint of this session's model.
    func metadata(
        threshold: ThresholdChoice?, metrics: [String: Double], warnings: [String] = [], resumeState: ResumeState? = nil
    ) throws -> CheckpointMetadata {
        var metadata = CheckpointMetadata(
            architecture: try JSONValue(encoding: spec),
            input: InputSpec(width: spec.input.size, height: spec.input.size, channels: spec.input.channels),
            preprocessing: try JSONValue(encoding: preprocessing), classNames: classNames, threshold: threshold,
            trainingOptions: try trainingRecord, metrics: metrics.filter { $0.value.isFinite },
            dataFingerprint: fingerprint, engineVersion: Self.engineVersion,
            resumeState: try resumeState.map { try JSONValue(encoding: $0) })
        metadata.warnings = warnings
        return metadata
    }

    /// Saves the model's weights and running statistics with `threshold`, `metrics` and `warnings`.
    @discardableResult
    func saveModel(to location: URL, threshold: ThresholdChoice?, metrics: [String: Double], warnings: [String] = []) throws -> CheckpointPaths {
        try CheckpointStore.save(
            tensors: try model.weightTensors(), metadata: try metadata(threshold: threshold, metrics: metrics, warnings: warnings), to: location)
    }

    /// Saves weights, optimizer state and the loop's state, so `restore` can continue exactly here.
    func saveResume(to location: URL, state: ResumeState) throws {
        let optimizerState = try optimizer.stateTensors(for: network.namedParameters).map {
            NamedTensor(name: Self.optimizerPrefix + $0.name, shape: $0.tensor.shape, values: try $0.tensor.toArray())
        }
        try CheckpointStore.save(
            tensors: try model.weightTensors() + optimizerState,
            metadata: try metadata(threshold: nil, metrics: [:], resumeState: state), to: location)
    }

    /// Loads weights and optimizer state from a resume checkpoint and continues this rank's random streams.
    func restore(from checkpoint: Checkpoint, state: ResumeState, file: String) throws {
        guard checkpoint.metadata.dataFingerprint == fingerprint else {
            throw TrainingError.resumeMismatch(
                "the images found now differ from those the run was trained on (data fingerprint \(fingerprint.prefix(19))... "
                    + "vs \(checkpoint.metadata.dataFingerprint.prefix(19))...); pass the same --data as the first run")
        }
        try model.setWeights(checkpoint.tensors, file: file)
        let optimizerState = try checkpoint.tensors.filter { $0.name.hasPrefix(Self.optimizerPrefix) }.map {
            (name: String($0.name.dropFirst(Self.optimizerPrefix.count)), tensor: try Tensor(context, shape: $0.shape, values: $0.values))
        }
        do {
            try optimizer.loadState(optimizerState, for: network.namedParameters)
        } catch {
            throw TrainingError.resumeMismatch("the optimizer state in \(file) does not fit: \(error)")
        }
        optimizer.stepCount = state.optimizerSteps
        try restore(try state.streams(rank: group.rank, file: file), file: file)
    }
}
