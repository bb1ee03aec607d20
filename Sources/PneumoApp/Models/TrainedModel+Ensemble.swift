import Engine
import Foundation
import OpenCLKit

/// Loading and running an ensemble checkpoint: member i's tensors are stored under `m<i>.`.
extension TrainedModel {
    /// Builds every member of `ensemble` from `checkpoint`, each checked against its tensors first.
    static func loadEnsemble(
        _ ensemble: EnsembleArchitecture, checkpoint: Checkpoint, context: ComputeContext, paths: CheckpointPaths
    ) throws -> TrainedModel {
        let classNames = checkpoint.metadata.classNames
        guard !ensemble.ensemble.isEmpty else {
            throw CheckpointError(file: paths.metadata.path, problem: .invalidMetadata, detail: "its ensemble has no members")
        }
        let loaded = try ensemble.ensemble.enumerated().map { index, member -> TrainedModel in
            let prefix = EnsembleArchitecture.prefix(index)
            let tensors = checkpoint.tensors.filter { $0.name.hasPrefix(prefix) }.map {
                NamedTensor(name: String($0.name.dropFirst(prefix.count)), shape: $0.shape, values: $0.values)
            }
            let built = try build(member.architecture, classNames: classNames, tensors: tensors, context: context, paths: paths)
            guard TemperatureScaling.range.contains(member.temperature) else {
                throw CheckpointError(
                    file: paths.metadata.path, problem: .invalidMetadata,
                    detail: "member \(index)'s temperature \(member.temperature) is outside \(TemperatureScaling.range)")
            }
            built.memberTemperature = member.temperature
            built.familiarity = member.familiarity
            return built
        }
        guard loaded.allSatisfy({ $0.spec.input == loaded[0].spec.input }) else {
            throw CheckpointError(file: paths.metadata.path, problem: .invalidMetadata, detail: "its members take different inputs")
        }
        let claimed = Set(loaded.indices.map(EnsembleArchitecture.prefix))
        if let stray = checkpoint.tensors.first(where: { tensor in !claimed.contains { tensor.name.hasPrefix($0) } }) {
            throw CheckpointError(file: paths.weights.path, problem: .mismatched, detail: "tensor \(stray.name) belongs to no member of the ensemble")
        }
        return TrainedModel(ensemble: ensemble, members: loaded, classNames: classNames, context: context)
    }

    /// An ensemble's output as logits: the mean of its members' calibrated probabilities, as the
    /// logit (two classes) or log-probabilities (more) that give it back, so the ensemble's own
    /// temperature and threshold apply to it like to any network's output.
    func ensembleLogits(_ images: ModelImages, count: Int, batchSize: Int) throws -> [Float] {
        let classes = classNames.count
        var mean = [Double](repeating: 0, count: count * classes)
        for member in members {
            let rows = try member.probabilities(images, count: count, batchSize: batchSize)
            for (row, probabilities) in rows.enumerated() {
                for (index, p) in probabilities.enumerated() { mean[row * classes + index] += p / Double(members.count) }
            }
        }
        // Clamped so a unanimous 0 or 1 stays a finite logit (1e-7 is far below any stated figure).
        let floor = 1e-7
        if classes == 2 {
            return (0..<count).map { row in
                let p = min(1 - floor, max(floor, mean[row * 2 + 1]))
                return Float(log(p / (1 - p)))
            }
        }
        return mean.map { Float(log(max(floor, $0))) }
    }
}
