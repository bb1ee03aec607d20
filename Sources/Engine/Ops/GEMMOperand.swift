import OpenCLKit

/// One operand of a GEMM: a row-major matrix inside a device buffer.
public struct GEMMOperand {
    public let buffer: DeviceBuffer<Float>
    /// Index of element (0, 0) of the first batch item.
    public let offset: Int
    /// Distance between consecutive stored rows (at least the stored column count).
    public let leadingDimension: Int
    /// Use the matrix transposed (`op(X) = Xᵀ`); not allowed for C.
    public let transposed: Bool
    /// Distance between consecutive batch items; 0 shares one matrix across the batch.
    public let batchStride: Int

    public init(_ buffer: DeviceBuffer<Float>, offset: Int = 0, leadingDimension: Int, transposed: Bool = false, batchStride: Int = 0) {
        self.buffer = buffer
        self.offset = offset
        self.leadingDimension = leadingDimension
        self.transposed = transposed
        self.batchStride = batchStride
    }
}

/// A bias added to every element of C after the product: one value per row or per column.
public enum GEMMBias {
    case none
    /// `bias[i]` added to row i (convolution: one value per filter).
    case perRow(DeviceBuffer<Float>)
    /// `bias[j]` added to column j (dense layer: one value per output feature).
    case perColumn(DeviceBuffer<Float>)

    var mode: Int32 {
        switch self {
        case .none: return 0
        case .perRow: return 1
        case .perColumn: return 2
        }
    }

    /// The kernels' biasMode argument: the bias kind, plus 4 (RECTIFY in gemm.cl) for a fused ReLU.
    func mode(rectify: Bool) -> Int32 { mode | (rectify ? 4 : 0) }
}

/// Which kernel runs a product.
public enum GEMMPath: Sendable {
    /// Packed for all but tiny products, where the packing launches cost more than they save.
    case automatic
    /// Pack both operands into panels, then the register-blocked kernel.
    case packed
    /// One work-item per element of C: the on-device reference.
    case naive
}

extension GEMMBias {
    var buffer: DeviceBuffer<Float>? {
        switch self {
        case .none: return nil
        case let .perRow(buffer), let .perColumn(buffer): return buffer
        }
    }
}
