import OpenCLKit

/// W' and b' of a layer with a BatchNorm folded in (`BatchNormFolding`), kept between passes:
/// folded again only when a buffer they come from (the layer's weights and bias, the norm's
/// scale, shift and running statistics) has been written since the last fold, whatever wrote
/// it (an optimizer step, a training pass, a checkpoint load, a host copy; see
/// `DeviceBuffer.writeStamp`).
final class FoldedParameters {
    let folding: BatchNormFolding
    let norm: BatchNorm
    let rows: Int
    let columns: Int
    /// W' (`rows` x `columns`) and b' (`rows`).
    let weight: DeviceBuffer<Float>
    let bias: DeviceBuffer<Float>
    /// The stamps of the sources right after the last fold; nil before the first.
    private var sources: SourceStamps?
    /// Folds run so far (one launch each).
    private(set) var folds = 0

    /// Buffers for the fold of `norm` into a layer of `rows` outputs of `columns` weights each.
    init(_ norm: BatchNorm, rows: Int, columns: Int, context: ComputeContext) throws {
        self.norm = norm
        self.rows = rows
        self.columns = columns
        folding = try BatchNormFolding(context)
        weight = try DeviceBuffer<Float>(context, count: rows * columns)
        bias = try DeviceBuffer<Float>(context, count: rows)
    }

    /// W' and b' for the current `weight`, `bias` (nil: none) and norm, folded only if stale.
    func current(weight source: DeviceBuffer<Float>, bias sourceBias: DeviceBuffer<Float>?) throws
        -> (weight: DeviceBuffer<Float>, bias: DeviceBuffer<Float>)
    {
        let buffers = [source] + (sourceBias.map { [$0] } ?? [])
            + [norm.weight.value.buffer, norm.bias.value.buffer, norm.runningMean.buffer, norm.runningVar.buffer]
        if let sources, sources == SourceStamps(buffers) { return (weight, bias) }
        try folding.fold(weight: source, bias: sourceBias, rows: rows, columns: columns, norm: norm, intoWeight: weight, bias: bias)
        // Noted after the launch: binding the sources to it (to be read) gave them new stamps.
        sources = SourceStamps(buffers)
        folds += 1
        return (weight, bias)
    }
}
