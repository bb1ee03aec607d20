import OpenCLKit

/// BatchNorm then ReLU in one pass each way: what the graph's fusion pass puts in place of a
/// BatchNorm whose only consumer is a ReLU. It holds the BatchNorm itself, so its parameters
/// and running statistics are the same tensors under the same names.
public final class BatchNormReLU: Layer {
    public let kind = "BatchNormReLU"
    /// The normalisation applied; its parameters are this op's.
    public let norm: BatchNorm
    public var parameters: [Parameter] { norm.parameters }
    public var buffers: [(name: String, tensor: Tensor)] { norm.buffers }
    private var saved: (input: Tensor, statistics: Normalization.Statistics)?

    public func releaseSaved() { saved = nil }

    /// Fuses `norm` with the ReLU after it.
    public init(_ norm: BatchNorm) { self.norm = norm }

    public func outputShape(for inputShape: [Int]) throws -> [Int] { try norm.outputShape(for: inputShape) }

    /// max(BatchNorm(x), 0); training updates the running statistics as BatchNorm does.
    public func forward(_ input: Tensor, mode: Mode) throws -> Tensor {
        let result = try norm.normalize(input, mode: mode, relu: true)
        saved = (input, result.statistics)
        return result.output
    }

    /// Takes the gradient after the ReLU; after an inference forward the statistics are constants.
    public func backward(_ outputGradient: Tensor) throws -> Tensor {
        guard let saved else { throw Pointwise.missingForward(kind) }
        return try norm.differentiate(saved.input, outputGradient, saved.statistics, relu: true, pooled: nil)
    }
}
