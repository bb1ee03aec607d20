import Foundation

/// A checkpoint read for export: its networks with their tensors, checked as `TrainedModel.load`
/// checks them, but on the host only (exporting needs no OpenCL device).
struct ExportSource {
    /// One network: its architecture, tensors by state-dict name, and for an ensemble member
    /// the temperature it was calibrated with on its own.
    struct Network {
        let spec: ArchitectureSpec
        let tensors: [String: NamedTensor]
        let memberTemperature: Double?
    }

    let metadata: CheckpointMetadata
    /// One network, or an ensemble's members in order.
    let networks: [Network]
    let isEnsemble: Bool

    /// The ensemble's or network's temperature; 1 when uncalibrated.
    var temperature: Double { metadata.calibration?.temperature ?? 1 }
    var classes: Int { metadata.classNames.count }
    /// The copies the checkpoint was calibrated on; nil for one pass.
    var storedAugmentation: TestTimeAugmentation? { metadata.calibration?.testTimeAugmentation }
    var input: ArchitectureSpec.Input { networks[0].spec.input }

    /// A name for the model: the architecture's, or the ensemble's.
    let name: String

    /// Reads and checks the checkpoint at `location` (RUN/best, or either of its files).
    static func load(from location: URL) throws -> ExportSource {
        let checkpoint = try CheckpointStore.load(from: location)
        return try make(checkpoint, paths: CheckpointPaths(location))
    }

    /// Checks `checkpoint`'s architecture against its tensors; `paths` name the files in errors.
    static func make(_ checkpoint: Checkpoint, paths: CheckpointPaths) throws -> ExportSource {
        try WeightSanity.check(checkpoint.tensors, file: paths.weights.path)
        let metadata = checkpoint.metadata
        guard metadata.classNames.count >= 2 else { throw ONNXExportError.unsupportedClasses(metadata.classNames.count) }
        let ensemble: EnsembleArchitecture?
        do {
            ensemble = try EnsembleArchitecture.decodeIfEnsemble(metadata.architecture)
        } catch {
            throw CheckpointError(file: paths.metadata.path, problem: .invalidMetadata, detail: "its ensemble cannot be read (\(error))")
        }
        if let ensemble {
            guard !ensemble.ensemble.isEmpty else {
                throw CheckpointError(file: paths.metadata.path, problem: .invalidMetadata, detail: "its ensemble has no members")
            }
            let networks = try ensemble.ensemble.enumerated().map { index, member -> Network in
                let prefix = EnsembleArchitecture.prefix(index)
                let tensors = checkpoint.tensors.filter { $0.name.hasPrefix(prefix) }.map {
                    NamedTensor(name: String($0.name.dropFirst(prefix.count)), shape: $0.shape, values: $0.values)
                }
                guard TemperatureScaling.range.contains(member.temperature) else {
                    throw CheckpointError(
                        file: paths.metadata.path, problem: .invalidMetadata,
                        detail: "member \(index)'s temperature \(member.temperature) is outside \(TemperatureScaling.range)")
                }
                return try network(member.architecture, tensors: tensors, classes: metadata.classNames.count, paths: paths,
                                   memberTemperature: member.temperature)
            }
            guard networks.allSatisfy({ $0.spec.input == networks[0].spec.input }) else {
                throw CheckpointError(file: paths.metadata.path, problem: .invalidMetadata, detail: "its members take different inputs")
            }
            return ExportSource(metadata: metadata, networks: networks, isEnsemble: true, name: ensemble.name)
        }
        let spec: ArchitectureSpec
        do {
            spec = try metadata.architecture.decode(ArchitectureSpec.self)
        } catch {
            throw CheckpointError(file: paths.metadata.path, problem: .invalidMetadata, detail: "its architecture cannot be read (\(error))")
        }
        let single = try network(spec, tensors: checkpoint.tensors, classes: metadata.classNames.count, paths: paths, memberTemperature: nil)
        return ExportSource(metadata: metadata, networks: [single], isEnsemble: false, name: spec.name)
    }

    /// One network, its architecture planned and checked against its tensors before use.
    private static func network(
        _ spec: ArchitectureSpec, tensors: [NamedTensor], classes: Int, paths: CheckpointPaths, memberTemperature: Double?
    ) throws -> Network {
        _ = try ArchitecturePlan.checked(spec, classes: classes, tensors: tensors, paths: paths)
        return Network(
            spec: spec, tensors: Dictionary(tensors.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first }),
            memberTemperature: memberTemperature)
    }
}
