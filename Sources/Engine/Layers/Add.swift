import OpenCLKit

/// The elementwise sum of two or more inputs of one shape: a residual connection.
/// Backward hands the output gradient to every input unchanged.
public final class Add: Op {
    public let kind = "Add"
    public var inputArity: OpArity { .atLeast(2) }
    private var inputCount: Int?

    /// An addition; it has no parameters.
    public init() {}

    public func outputShape(forInputs shapes: [[Int]]) throws -> [Int] { try sameShape(kind, shapes) }

    public func forward(inputs: [Tensor], mode: Mode) throws -> Tensor {
        _ = try outputShape(forInputs: inputs.map(\.shape))
        inputCount = mode == .training ? inputs.count : nil
        return try addAll(inputs)
    }

    public func backward(inputGradientsFrom outputGradient: Tensor) throws -> [Tensor] {
        guard let inputCount else { throw Pointwise.missingForward(kind) }
        return Array(repeating: outputGradient, count: inputCount)
    }

    public func backwardParameters(_ outputGradient: Tensor) throws {}
}

/// x0 + x1 + ... added left to right into a new tensor.
func addAll(_ inputs: [Tensor]) throws -> Tensor {
    let output = try Tensor(inputs[0].context, shape: inputs[0].shape)
    try Elementwise.add(inputs[0], inputs[1], into: output)
    for input in inputs.dropFirst(2) { try Elementwise.add(output, input, into: output) }
    return output
}

/// The common shape of an n-ary elementwise op's inputs, or an error listing them.
func sameShape(_ kind: String, _ shapes: [[Int]]) throws -> [Int] {
    guard shapes.count >= 2 else { throw EngineError.shapeMismatch("\(kind) takes at least 2 inputs, got \(shapes.count)") }
    guard shapes.allSatisfy({ $0 == shapes[0] }) else {
        throw EngineError.shapeMismatch(
            "\(kind) needs inputs of one shape, got \(shapes.map { "\($0)" }.joined(separator: ", ")); "
                + "match them with a strided 1x1 Conv2D (projection) on the shortcut")
    }
    return shapes[0]
}
