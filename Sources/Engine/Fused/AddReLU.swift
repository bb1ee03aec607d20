import OpenCLKit

/// max(x0 + x1 + ..., 0): a residual sum and the ReLU after it in one pass, what the graph's
/// fusion pass puts in place of an Add whose only consumer is a ReLU.
public final class AddReLU: Op {
    public let kind = "AddReLU"
    public var inputArity: OpArity { .atLeast(2) }
    private var saved: (output: Tensor, inputCount: Int)?

    public func releaseSaved() { saved = nil }

    /// A fused addition and ReLU; it has no parameters.
    public init() {}

    public func outputShape(forInputs shapes: [[Int]]) throws -> [Int] { try sameShape(kind, shapes) }

    public func forward(inputs: [Tensor], mode: Mode) throws -> Tensor {
        _ = try outputShape(forInputs: inputs.map(\.shape))
        let output = try Tensor(inputs[0].context, shape: inputs[0].shape)
        let last = inputs.count - 1
        if inputs.count == 2 {
            try Elementwise.addReLU(inputs[0], inputs[1], into: output)
        } else {
            try Elementwise.add(inputs[0], inputs[1], into: output)
            for input in inputs[2..<last] { try Elementwise.add(output, input, into: output) }
            try Elementwise.addReLU(output, inputs[last], into: output)
        }
        saved = mode == .training ? (output, inputs.count) : nil
        return output
    }

    /// The gradient where the output is positive (the ReLU's mask), for every input.
    public func backward(inputGradientsFrom outputGradient: Tensor) throws -> [Tensor] {
        guard let saved else { throw Pointwise.missingForward(kind) }
        let masked = try Activation.reluBackward(input: saved.output, outputGradient: outputGradient)
        return Array(repeating: masked, count: saved.inputCount)
    }

    public func backwardParameters(_ outputGradient: Tensor) throws {}
}
