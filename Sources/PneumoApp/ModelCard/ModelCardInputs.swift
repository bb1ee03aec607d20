import Foundation

/// An evaluation file and where it was read from.
public struct NamedEvaluation: Equatable, Sendable {
    /// The file's path, as shown in the card.
    public var source: String
    /// Its content.
    public var result: EvaluationResult

    /// Pairs a result with its source.
    public init(source: String, result: EvaluationResult) {
        self.source = source
        self.result = result
    }
}

/// Everything a model card is written from.
public struct ModelCardInputs: Equatable, Sendable {
    /// The checkpoint's metadata.
    public var metadata: CheckpointMetadata
    /// The checkpoint's metadata file, as shown in the card.
    public var checkpoint: String
    /// Evaluations of the model (one per seed or split), possibly none.
    public var evaluations: [NamedEvaluation]
    /// Shortcut audits, possibly none.
    public var audits: [AuditFile]

    /// Collects the inputs.
    public init(metadata: CheckpointMetadata, checkpoint: String, evaluations: [NamedEvaluation] = [], audits: [AuditFile] = []) {
        self.metadata = metadata
        self.checkpoint = checkpoint
        self.evaluations = evaluations
        self.audits = audits
    }

    /// The architecture as the model builder reads it; nil when the stored JSON is not one.
    var spec: ArchitectureSpec? { try? metadata.architecture.decode(ArchitectureSpec.self) }

    /// The members of an ensemble checkpoint; nil for a single network.
    var ensemble: EnsembleArchitecture? { try? EnsembleArchitecture.decodeIfEnsemble(metadata.architecture) }

    /// Trainable parameters, worked out from the architecture without building it (all members of an ensemble).
    var parameterCount: Int? {
        let specs = ensemble.map { $0.ensemble.map(\.architecture) } ?? spec.map { [$0] } ?? []
        let counts = specs.compactMap { try? ArchitecturePlan.make($0, classes: metadata.classNames.count).parameterCount }
        return counts.isEmpty || counts.count != specs.count ? nil : counts.reduce(0, +)
    }

    /// The training options as stored, by key.
    var trainingOptions: [String: JSONValue] {
        if case let .object(fields) = metadata.trainingOptions { return fields }
        return [:]
    }

    /// The aspect-ratio augmentation strength training used; nil when the options do not say.
    var aspectAugmentation: Double? {
        guard case let .object(augmentation)? = trainingOptions["augmentation"] else { return nil }
        switch augmentation["aspect"] {
        case let .number(value)?: return value
        case let .integer(value)?: return Double(value)
        // Options saved before the augmentation existed mean no aspect change.
        default: return 0
        }
    }

    var sizeAudits: [SizeAuditResult] {
        audits.compactMap { if case let .size(result) = $0 { return result } else { return nil } }
    }

    var lungAudits: [LungAuditResult] {
        audits.compactMap { if case let .lungs(result) = $0 { return result } else { return nil } }
    }
}
