import Engine
import OpenCLKit

/// Averages the parameter gradients of every rank after each backward pass: the gradients are
/// copied into one device buffer, read once, summed over ranks with one MPI_Allreduce, scaled
/// by 1/ranks and written back. One extra float carries each rank's stop request, so agreeing
/// on Ctrl-C costs no extra message.
final class GradientAverager {
    private let group: ProcessGroup
    private let gradients: [Tensor]
    private let context: ComputeContext
    private let staging: DeviceBuffer<Float>
    private let total: Int
    /// Seconds spent in the exchange (after the backward pass has finished on the device) and
    /// in MPI_Allreduce alone, which includes waiting for the slowest rank; for measurement.
    private(set) var exchangeSeconds = 0.0
    private(set) var allreduceSeconds = 0.0
    private(set) var exchanges = 0

    init(parameters: [Parameter], context: ComputeContext, group: ProcessGroup) throws {
        self.group = group
        self.context = context
        gradients = parameters.map(\.gradient)
        total = gradients.reduce(0) { $0 + $1.count }
        staging = try Tensor(context, shape: [max(1, total)]).buffer
    }

    /// Replaces every gradient with its mean over the ranks; true when any rank asked to stop.
    func average(stopRequested: Bool) throws -> Bool {
        // The read below would wait for the backward pass anyway; waiting here first keeps
        // the backward's time out of the exchange's.
        try context.finish()
        let start = ProgressBar.monotonicSeconds()
        var offset = 0
        for gradient in gradients {
            try staging.copy(from: gradient.buffer, offset: offset, count: gradient.count)
            offset += gradient.count
        }
        var values = try staging.read(count: total)
        values.append(stopRequested ? 1 : 0)
        let reduceStart = ProgressBar.monotonicSeconds()
        try group.sum(&values)
        allreduceSeconds += ProgressBar.monotonicSeconds() - reduceStart
        let stop = values.removeLast() > 0
        let scale = 1 / Float(group.size)
        values.withUnsafeMutableBufferPointer { buffer in
            for index in buffer.indices { buffer[index] *= scale }
        }
        try staging.write(values)
        offset = 0
        for gradient in gradients {
            try gradient.buffer.copy(from: staging, sourceOffset: offset, count: gradient.count)
            offset += gradient.count
        }
        exchangeSeconds += ProgressBar.monotonicSeconds() - start
        exchanges += 1
        return stop
    }
}

/// Running statistics (BatchNorm's mean and variance) averaged over the ranks, so the
/// checkpoint describes the data every rank saw.
enum RunningStatistics {
    static func average(_ buffers: [(name: String, tensor: Tensor)], over group: ProcessGroup) throws {
        guard group.size > 1, !buffers.isEmpty else { return }
        var values: [Float] = []
        for buffer in buffers { values += try buffer.tensor.toArray() }
        try group.sum(&values)
        let scale = 1 / Float(group.size)
        var offset = 0
        for buffer in buffers {
            let count = buffer.tensor.count
            try buffer.tensor.buffer.write(values[offset..<(offset + count)].map { $0 * scale })
            offset += count
        }
    }
}
