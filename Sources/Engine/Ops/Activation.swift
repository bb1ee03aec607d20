import OpenCLKit

/// Activation functions and their gradients on the device (kernels in `activation.cl`).
/// Each returns a new tensor of the input's shape.
public enum Activation {
    /// max(x, 0)
    public static func reluForward(_ x: Tensor) throws -> Tensor { try unary("relu_forward", x) }

    /// dy where the forward input was positive, else 0.
    public static func reluBackward(input x: Tensor, outputGradient dy: Tensor) throws -> Tensor {
        try gradient("relu_backward", x, dy)
    }

    /// x for x > 0, slope * x otherwise.
    public static func leakyReLUForward(_ x: Tensor, slope: Float) throws -> Tensor {
        let y = try Tensor(x.context, shape: x.shape)
        try launch("leaky_relu_forward", count: x.count, context: x.context) { kernel, global, local in
            try x.context.launch(kernel, global: global, local: local, x.buffer, y.buffer, slope, x.count)
        }
        return y
    }

    /// dy where the forward input was positive, slope * dy otherwise.
    public static func leakyReLUBackward(input x: Tensor, outputGradient dy: Tensor, slope: Float) throws -> Tensor {
        try Pointwise.requireSameShape(x, dy, "leaky ReLU backward (output gradient)")
        let dx = try Tensor(x.context, shape: x.shape)
        try launch("leaky_relu_backward", count: x.count, context: x.context) { kernel, global, local in
            try x.context.launch(kernel, global: global, local: local, x.buffer, dy.buffer, dx.buffer, slope, x.count)
        }
        return dx
    }

    /// 1 / (1 + exp(-x)), without overflow for large |x|.
    public static func sigmoidForward(_ x: Tensor) throws -> Tensor { try unary("sigmoid_forward", x) }

    /// dy * y * (1 - y), from the forward output y.
    public static func sigmoidBackward(output y: Tensor, outputGradient dy: Tensor) throws -> Tensor {
        try gradient("sigmoid_backward", y, dy)
    }

    /// tanh(x)
    public static func tanhForward(_ x: Tensor) throws -> Tensor { try unary("tanh_forward", x) }

    /// dy * (1 - y^2), from the forward output y.
    public static func tanhBackward(output y: Tensor, outputGradient dy: Tensor) throws -> Tensor {
        try gradient("tanh_backward", y, dy)
    }

    /// Softmax over the last dimension (class probabilities for logits `[N, C]`).
    public static func softmaxForward(_ x: Tensor) throws -> Tensor {
        let (rows, cols) = try rowsAndColumns(x, "softmax")
        let y = try Tensor(x.context, shape: x.shape)
        try launch("softmax_forward", count: rows, context: x.context) { kernel, global, local in
            try x.context.launch(kernel, global: global, local: local, x.buffer, y.buffer, rows, cols)
        }
        return y
    }

    /// y * (dy - sum(dy * y)) per row, from the forward output y.
    public static func softmaxBackward(output y: Tensor, outputGradient dy: Tensor) throws -> Tensor {
        try Pointwise.requireSameShape(y, dy, "softmax backward (output gradient)")
        let (rows, cols) = try rowsAndColumns(y, "softmax backward")
        let dx = try Tensor(y.context, shape: y.shape)
        try launch("softmax_backward", count: rows, context: y.context) { kernel, global, local in
            try y.context.launch(kernel, global: global, local: local, y.buffer, dy.buffer, dx.buffer, rows, cols)
        }
        return dx
    }

    /// max(x, 0) over the first `count` floats of `buffer`, in place (a fused layer's ReLU
    /// where its algorithm has no rectifying store).
    static func reluInPlace(_ buffer: DeviceBuffer<Float>, count: Int, context: ComputeContext) throws {
        try launch("relu_forward", count: count, context: context) { kernel, global, local in
            try context.launch(kernel, global: global, local: local, buffer, buffer, count)
        }
    }

    private static func unary(_ name: String, _ x: Tensor) throws -> Tensor {
        let y = try Tensor(x.context, shape: x.shape)
        try launch(name, count: x.count, context: x.context) { kernel, global, local in
            try x.context.launch(kernel, global: global, local: local, x.buffer, y.buffer, x.count)
        }
        return y
    }

    /// Kernels of the form (saved, dy) -> dx.
    private static func gradient(_ name: String, _ saved: Tensor, _ dy: Tensor) throws -> Tensor {
        try Pointwise.requireSameShape(saved, dy, "\(name) (output gradient)")
        let dx = try Tensor(saved.context, shape: saved.shape)
        try launch(name, count: saved.count, context: saved.context) { kernel, global, local in
            try saved.context.launch(kernel, global: global, local: local, saved.buffer, dy.buffer, dx.buffer, saved.count)
        }
        return dx
    }

    /// Looks the kernel up and hands the launch geometry to `body`; does nothing for no work.
    private static func launch(
        _ name: String, count: Int, context: ComputeContext, _ body: (Kernel, [Int], [Int]) throws -> Void
    ) throws {
        if count == 0 { return }
        try body(context.kernel("activation.cl", name), [count], [Pointwise.groupSize(context)])
    }

    private static func rowsAndColumns(_ x: Tensor, _ operation: String) throws -> (Int, Int) {
        guard let cols = x.shape.last, cols > 0 else {
            throw EngineError.shapeMismatch("\(operation) needs a non-empty last dimension, got shape \(x.shape)")
        }
        return (x.count / cols, cols)
    }
}
