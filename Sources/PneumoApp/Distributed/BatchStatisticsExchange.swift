import Engine
import OpenCLKit

/// Synchronised BatchNorm's link to the other ranks: the engine's BatchNorms sum their
/// per-channel statistics and gradient sums through it with MPI_Allreduce. Attached to the
/// training context only with `--sync-batchnorm` under mpirun; it counts its calls and their
/// time so the run can say what synchronisation cost.
final class BatchStatisticsExchange: BatchStatisticsReducer {
    private let group: ProcessGroup
    /// Seconds in MPI_Allreduce (waiting for the slowest rank included), calls and values summed.
    private(set) var seconds = 0.0
    private(set) var calls = 0
    private(set) var values = 0

    init(group: ProcessGroup) { self.group = group }

    func sumOverReplicas(_ values: inout [Double]) throws {
        let start = ProgressBar.monotonicSeconds()
        try group.sum(&values)
        seconds += ProgressBar.monotonicSeconds() - start
        calls += 1
        self.values += values.count
    }

    /// Attaches an exchange over `group` to `context` when synchronised BatchNorm was asked
    /// for and there is more than one rank; returns it, or nil when nothing is synchronised.
    static func attach(to context: ComputeContext, group: ProcessGroup, requested: Bool, reporter: TrainingReporter) -> BatchStatisticsExchange? {
        guard requested else { return nil }
        guard group.size > 1 else {
            reporter.status("--sync-batchnorm: a single process has no other ranks to synchronise BatchNorm statistics with; it trains as without the option")
            return nil
        }
        let exchange = BatchStatisticsExchange(group: group)
        context.attach(BatchStatisticsReduction.self, exchange)
        return exchange
    }
}
