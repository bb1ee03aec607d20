extension CheckpointMetadata {
    /// The familiarity checks this checkpoint carries (its own, or one per ensemble member that
    /// has one) and how many members it has (0 for a single network): what the card and the
    /// ONNX metadata describe.
    var familiarityChecks: (checks: [FeatureFamiliarity], members: Int) {
        let members = (try? EnsembleArchitecture.decodeIfEnsemble(architecture))??.ensemble ?? []
        return (members.isEmpty ? [familiarity].compactMap { $0 } : members.compactMap(\.familiarity), members.count)
    }
}
