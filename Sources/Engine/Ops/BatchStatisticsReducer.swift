import OpenCLKit

/// Sums per-channel statistics over the replicas that train one model data-parallel, so a
/// BatchNorm in training normalises with the statistics of the global batch (synchronised
/// BatchNorm). The engine only asks for sums; who the replicas are and how they talk (MPI,
/// threads in a test) is the implementer's business.
public protocol BatchStatisticsReducer: AnyObject {
    /// Replaces `values` with their element-wise sum over every replica, in place. Every
    /// replica calls this in the same order with the same count; the result must be the same
    /// on every replica.
    func sumOverReplicas(_ values: inout [Double]) throws
}

/// The context attachment a training BatchNorm consults: with a reducer attached, every
/// BatchNorm (and the fused ops holding one) on that context synchronises its batch
/// statistics and their gradient sums through it. One context drives one replica's device,
/// so the replica group belongs with the context, and no layer or graph API has to carry it.
public enum BatchStatisticsReduction: ContextAttachmentKey {
    public typealias Value = any BatchStatisticsReducer
}
