import OpenCLKit

/// A float32 array on the device with an NCHW (or N x features) shape.
/// Tensors are reference types: reshaping shares the buffer, nothing is copied.
public final class Tensor: @unchecked Sendable {
    public let shape: [Int]
    public let buffer: DeviceBuffer<Float>
    public var context: ComputeContext { buffer.context }
    public var count: Int { shape.reduce(1, *) }
    /// The first dimension: the batch size for activations.
    public var batch: Int { shape.first ?? 1 }

    /// A new tensor with undefined contents.
    public init(_ context: ComputeContext, shape: [Int]) throws {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in \(shape)")
        self.shape = shape
        buffer = try DeviceBuffer<Float>(context, count: shape.reduce(1, *))
    }

    /// A new tensor holding `values` (row-major, NCHW).
    public convenience init(_ context: ComputeContext, shape: [Int], values: [Float]) throws {
        guard values.count == shape.reduce(1, *) else {
            throw EngineError.shapeMismatch("\(values.count) values do not fill shape \(shape)")
        }
        try self.init(context, shape: shape)
        try buffer.write(values)
    }

    /// A tensor of zeros.
    public static func zeros(_ context: ComputeContext, shape: [Int]) throws -> Tensor {
        let tensor = try Tensor(context, shape: shape)
        try tensor.buffer.fill(0)
        return tensor
    }

    init(shape: [Int], buffer: DeviceBuffer<Float>) {
        self.shape = shape
        self.buffer = buffer
    }

    /// The same data seen with another shape of equal size.
    public func reshaped(_ newShape: [Int]) throws -> Tensor {
        guard newShape.reduce(1, *) == count else {
            throw EngineError.shapeMismatch("cannot reshape \(shape) to \(newShape)")
        }
        return Tensor(shape: newShape, buffer: buffer)
    }

    /// Copies the values back to the host (blocking). Not for the training hot path.
    public func toArray() throws -> [Float] { try buffer.read(count: count) }

    /// A device-side copy.
    public func copy() throws -> Tensor {
        let result = try Tensor(context, shape: shape)
        try result.buffer.copy(from: buffer, count: count)
        return result
    }
}

/// Errors from the engine that say what went wrong and where.
public enum EngineError: Error, CustomStringConvertible, Equatable {
    case shapeMismatch(String)
    case invalidConfiguration(String)
    case missingKernelSource(String)

    public var description: String {
        switch self {
        case let .shapeMismatch(why): return "shape mismatch: \(why)"
        case let .invalidConfiguration(why): return "invalid configuration: \(why)"
        case let .missingKernelSource(file): return "no kernel file \(file) is embedded in this binary"
        }
    }
}
