import OpenCLKit

/// Folds a BatchNorm into the weights and bias of the layer before it (`fold.cl`), on the
/// device, from the current parameters and running statistics: W' = W * scale, b' = (b - mean)
/// * scale + beta with scale = gamma / sqrt(var + epsilon), per output row.
public struct BatchNormFolding {
    let context: ComputeContext
    let kernel: Kernel

    /// Builds the kernel on `context`.
    public init(_ context: ComputeContext) throws {
        self.context = context
        kernel = try context.kernel("fold.cl", "fold_batchnorm")
    }

    /// Writes W' (`rows` x `columns`, row-major as `weight`) and b' (`rows`) from `weight`,
    /// `bias` and `norm`, whose channels must be the rows.
    public func fold(
        weight: DeviceBuffer<Float>, bias: DeviceBuffer<Float>?, rows: Int, columns: Int, norm: BatchNorm,
        intoWeight foldedWeight: DeviceBuffer<Float>, bias foldedBias: DeviceBuffer<Float>
    ) throws {
        guard norm.channels == rows else {
            throw EngineError.shapeMismatch("BatchNorm(\(norm.channels)) cannot fold into a layer of \(rows) outputs")
        }
        guard weight.count >= rows * columns, foldedWeight.count >= rows * columns, foldedBias.count >= rows,
              bias.map({ $0.count >= rows }) ?? true else {
            throw EngineError.shapeMismatch("folding a BatchNorm needs \(rows) x \(columns) weights and \(rows) biases")
        }
        let group = min(16, context.device.maxWorkGroupSize)
        try context.launch(
            kernel, global: [columns, rows], local: [group, 1], rows, columns, weight, bias ?? weight, Int32(bias == nil ? 0 : 1),
            norm.weight.value.buffer, norm.bias.value.buffer, norm.runningMean.buffer, norm.runningVar.buffer, norm.epsilon,
            foldedWeight, foldedBias)
    }
}
