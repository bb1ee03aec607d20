/// A named float32 tensor held in host memory, row-major, as stored in checkpoints.
public struct NamedTensor: Equatable, Sendable {
    /// The tensor's name, e.g. "3.weight".
    public var name: String
    /// Dimensions, outermost first; empty for a scalar.
    public var shape: [Int]
    /// The elements in row-major order; as many as the shape's product.
    public var values: [Float]

    /// Creates a tensor; `Safetensors.encode` checks that the shape and values agree.
    public init(name: String, shape: [Int], values: [Float]) {
        self.name = name
        self.shape = shape
        self.values = values
    }

    /// The number of elements the shape describes, or nil if a dimension is negative or the
    /// product overflows.
    public static func elementCount(of shape: [Int]) -> Int? {
        var count = 1
        for dimension in shape {
            guard dimension >= 0 else { return nil }
            let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
            if overflow { return nil }
            count = product
        }
        return count
    }
}

/// The tensors and free-form metadata of one safetensors file.
public struct SafetensorsFile: Equatable, Sendable {
    /// The tensors, in the order of their data in the file.
    public var tensors: [NamedTensor]
    /// The "__metadata__" map of the header (empty when absent).
    public var metadata: [String: String]

    /// Creates a file's content.
    public init(tensors: [NamedTensor], metadata: [String: String] = [:]) {
        self.tensors = tensors
        self.metadata = metadata
    }

    /// The tensor called `name`, if present.
    public subscript(name: String) -> NamedTensor? {
        tensors.first { $0.name == name }
    }
}
