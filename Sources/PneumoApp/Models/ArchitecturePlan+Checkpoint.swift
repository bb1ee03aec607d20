extension ArchitecturePlan {
    /// Plans `spec` on the host and checks a checkpoint's tensors against it, before anything
    /// is built: errors name the checkpoint file at fault (metadata or weights).
    static func checked(_ spec: ArchitectureSpec, classes: Int, tensors: [NamedTensor], paths: CheckpointPaths) throws -> ArchitecturePlan {
        let plan: ArchitecturePlan
        do {
            plan = try ArchitecturePlan.make(spec, classes: classes)
        } catch {
            throw CheckpointError(file: paths.metadata.path, problem: .invalidMetadata, detail: "its architecture cannot be used: \(error)")
        }
        let stored = Dictionary(tensors.map { ($0.name, $0.shape) }, uniquingKeysWith: { first, _ in first })
        if let mismatch = plan.mismatch(with: stored) {
            throw CheckpointError(
                file: paths.weights.path, problem: .mismatched,
                detail: "does not fit architecture \(spec.name) described in \(paths.metadata.lastPathComponent): \(mismatch)")
        }
        return plan
    }
}
