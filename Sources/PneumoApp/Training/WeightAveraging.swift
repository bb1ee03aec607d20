import Foundation

/// The mean of a run's weights over its last epochs (stochastic weight averaging, Izmailov et
/// al. 2018, with the running statistics averaged alongside): late in a decaying schedule the
/// epochs' weights scatter around a wide optimum, and their mean sits nearer its centre than
/// any one of them, so it depends less on where the last batch happened to leave the model.
///
/// The running mean lives in the run's `averaged` checkpoint and grows one epoch at a time, so
/// an interrupted and resumed run averages exactly the same epochs.
enum WeightAveraging {
    /// Metric keys of the averaged checkpoint that record its state.
    static let countKey = "averaged_epochs"
    static let lastEpochKey = "averaged_through_epoch"

    /// Whether the end of `epoch` (from 1) falls in the last `window` of `epochs`.
    static func includes(epoch: Int, of epochs: Int, window: Int) -> Bool {
        window > 0 && epoch > epochs - window
    }

    /// `tensors` folded into the running mean held at `location` (if any), with how many epochs
    /// the result covers; nil when `epoch` is already part of it (a resumed epoch end).
    static func fold(_ tensors: [NamedTensor], epoch: Int, into location: URL) throws -> (tensors: [NamedTensor], count: Int)? {
        guard FileManager.default.fileExists(atPath: CheckpointPaths(location).metadata.path) else { return (tensors, 1) }
        let previous = try CheckpointStore.load(from: location)
        let count = Int(previous.metadata.metrics[countKey] ?? 0)
        if Int(previous.metadata.metrics[lastEpochKey] ?? 0) >= epoch { return nil }
        let byName = Dictionary(previous.tensors.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let merged = try tensors.map { tensor -> NamedTensor in
            guard let old = byName[tensor.name], old.shape == tensor.shape else {
                throw TrainingError.resumeMismatch("the averaged checkpoint has no tensor \(tensor.name) of shape \(tensor.shape); remove it to start the average again")
            }
            // Running mean in double, rounded once: mean_n = mean_{n-1} + (x - mean_{n-1}) / n.
            let n = Double(count + 1)
            let values = zip(old.values, tensor.values).map { Float(Double($0) + (Double($1) - Double($0)) / n) }
            return NamedTensor(name: tensor.name, shape: tensor.shape, values: values)
        }
        return (merged, count + 1)
    }
}
