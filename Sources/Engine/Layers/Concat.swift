import OpenCLKit

/// Inputs joined along the channel axis (dimension 1): [N, C1, ...] + [N, C2, ...] ->
/// [N, C1 + C2, ...]. Every other dimension must agree. Backward slices the gradient apart.
public final class Concat: Op {
    public let kind = "Concat"
    public var inputArity: OpArity { .atLeast(2) }
    private var savedShapes: [[Int]]?

    /// A concatenation; it has no parameters.
    public init() {}

    public func outputShape(forInputs shapes: [[Int]]) throws -> [Int] {
        guard shapes.count >= 2 else { throw EngineError.shapeMismatch("Concat takes at least 2 inputs, got \(shapes.count)") }
        let first = shapes[0]
        let agree = shapes.allSatisfy { $0.count == first.count && $0.count >= 2 && $0[0] == first[0] && $0.dropFirst(2) == first.dropFirst(2) }
        guard agree else {
            throw EngineError.shapeMismatch(
                "Concat joins channels and needs every other dimension equal, got \(shapes.map { "\($0)" }.joined(separator: ", "))")
        }
        var output = first
        output[1] = shapes.reduce(0) { $0 + $1[1] }
        return output
    }

    public func forward(inputs: [Tensor], mode: Mode) throws -> Tensor {
        let shapes = inputs.map(\.shape)
        let output = try Tensor(inputs[0].context, shape: try outputShape(forInputs: shapes))
        try forEachBlock(shapes) { input, item, inputOffset, outputOffset, count in
            try output.buffer.copy(from: inputs[input].buffer, sourceOffset: inputOffset, offset: outputOffset, count: count)
        }
        savedShapes = mode == .training ? shapes : nil
        return output
    }

    public func backward(inputGradientsFrom outputGradient: Tensor) throws -> [Tensor] {
        guard let shapes = savedShapes else { throw Pointwise.missingForward(kind) }
        let expected = try outputShape(forInputs: shapes)
        guard outputGradient.shape == expected else {
            throw EngineError.shapeMismatch("Concat.backward got gradient \(outputGradient.shape), expected \(expected)")
        }
        let gradients = try shapes.map { try Tensor(outputGradient.context, shape: $0) }
        try forEachBlock(shapes) { input, item, inputOffset, outputOffset, count in
            try gradients[input].buffer.copy(from: outputGradient.buffer, sourceOffset: outputOffset, offset: inputOffset, count: count)
        }
        return gradients
    }

    public func backwardParameters(_ outputGradient: Tensor) throws {}

    /// Calls `body` for each contiguous block: one input's channels of one batch item, with
    /// its offset in that input and in the output.
    private func forEachBlock(_ shapes: [[Int]], _ body: (Int, Int, Int, Int, Int) throws -> Void) throws {
        let batch = shapes[0][0]
        let plane = shapes[0].dropFirst(2).reduce(1, *)
        let total = shapes.reduce(0) { $0 + $1[1] } * plane
        for item in 0..<batch {
            var channel = 0
            for (input, shape) in shapes.enumerated() {
                let count = shape[1] * plane
                if count > 0 { try body(input, item, item * count, item * total + channel * plane, count) }
                channel += shape[1]
            }
        }
    }
}
