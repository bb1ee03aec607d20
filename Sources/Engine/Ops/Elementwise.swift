import OpenCLKit

/// Elementwise operations and a deterministic sum, on the device (kernels in `elementwise.cl`).
public enum Elementwise {
    /// Sets every element of `tensor` to `value`.
    public static func fill(_ tensor: Tensor, with value: Float) throws {
        let context = tensor.context
        let n = tensor.count
        if n == 0 { return }
        try context.launch(
            context.kernel("elementwise.cl", "fill"), global: [n], local: [Pointwise.groupSize(context)],
            tensor.buffer, value, n)
    }

    /// y = factor * x (factor 1 copies).
    public static func scale(_ x: Tensor, by factor: Float, into y: Tensor) throws {
        try Pointwise.requireSameCount(x, y, "Elementwise.scale")
        let context = x.context
        let n = x.count
        if n == 0 { return }
        try context.launch(
            context.kernel("elementwise.cl", "scale"), global: [n], local: [Pointwise.groupSize(context)],
            x.buffer, y.buffer, factor, n)
    }

    /// y = x, copied on the device.
    public static func copy(_ x: Tensor, into y: Tensor) throws {
        try Pointwise.requireSameCount(x, y, "Elementwise.copy")
        try y.buffer.copy(from: x.buffer, count: x.count)
    }

    /// y += a * x
    public static func axpy(_ a: Float, _ x: Tensor, _ y: Tensor) throws {
        try Pointwise.requireSameCount(x, y, "Elementwise.axpy")
        let context = x.context
        let n = x.count
        if n == 0 { return }
        try context.launch(
            context.kernel("elementwise.cl", "axpy"), global: [n], local: [Pointwise.groupSize(context)],
            x.buffer, y.buffer, a, n)
    }

    /// out = a + b (out may be a or b).
    public static func add(_ a: Tensor, _ b: Tensor, into out: Tensor) throws {
        try binary("add", a, b, out)
    }

    /// out = max(a + b, 0) (out may be a or b): a residual sum and its ReLU in one pass.
    public static func addReLU(_ a: Tensor, _ b: Tensor, into out: Tensor) throws {
        try binary("add_relu", a, b, out)
    }

    /// out = a * b elementwise (out may be a or b).
    public static func multiply(_ a: Tensor, _ b: Tensor, into out: Tensor) throws {
        try binary("multiply", a, b, out)
    }

    /// scale * (sum of all elements of x), as a new `[1]` tensor that stays on the device.
    /// The order of additions depends only on the element count and the device, so equal
    /// inputs give bit-identical sums.
    public static func sum(_ x: Tensor, scale: Float = 1) throws -> Tensor {
        let context = x.context
        let n = x.count
        let local = Pointwise.reductionGroupSize(context)
        let groups = Pointwise.partialCount(elements: n, groupSize: local)
        let partials = try Tensor(context, shape: [groups])
        let result = try Tensor(context, shape: [1])
        let scratch = LocalMemory(bytes: local * MemoryLayout<Float>.stride)
        try context.launch(
            context.kernel("elementwise.cl", "sum_partial"), global: [groups * local], local: [local],
            x.buffer, partials.buffer, n, scratch)
        try context.launch(
            context.kernel("elementwise.cl", "sum_final"), global: [local], local: [local],
            partials.buffer, result.buffer, groups, scale, scratch)
        return result
    }

    /// The mean of all elements, as a `[1]` tensor on the device.
    public static func mean(_ x: Tensor) throws -> Tensor {
        guard x.count > 0 else {
            throw EngineError.invalidConfiguration("Elementwise.mean of an empty tensor (shape \(x.shape)) is undefined")
        }
        return try sum(x, scale: 1 / Float(x.count))
    }

    private static func binary(_ name: String, _ a: Tensor, _ b: Tensor, _ out: Tensor) throws {
        try Pointwise.requireSameCount(a, b, "Elementwise.\(name)")
        try Pointwise.requireSameCount(a, out, "Elementwise.\(name) (output)")
        let context = a.context
        let n = a.count
        if n == 0 { return }
        try context.launch(
            context.kernel("elementwise.cl", name), global: [n], local: [Pointwise.groupSize(context)],
            a.buffer, b.buffer, out.buffer, n)
    }
}

/// Launch geometry and argument checks shared by the pointwise ops.
enum Pointwise {
    /// Work-items per group: 256, or the largest power of two the device allows.
    static func groupSize(_ context: ComputeContext) -> Int { reductionGroupSize(context) }

    /// Power-of-two group size for tree reductions (the kernels halve it step by step).
    static func reductionGroupSize(_ context: ComputeContext) -> Int {
        var size = 256
        while size > 1 && size > context.device.maxWorkGroupSize { size /= 2 }
        return size
    }

    /// Number of groups for stage one of a reduction over `elements` values: enough that each
    /// work-item adds about eight values, at most 256 so stage two stays short.
    static func partialCount(elements: Int, groupSize: Int) -> Int {
        let perGroup = groupSize * 8
        return min(256, max(1, (elements + perGroup - 1) / perGroup))
    }

    static func requireSameCount(_ a: Tensor, _ b: Tensor, _ operation: String) throws {
        guard a.count == b.count else {
            throw EngineError.shapeMismatch(
                "\(operation): tensors of shape \(a.shape) and \(b.shape) differ in size; pass tensors with the same number of elements")
        }
    }

    static func requireSameShape(_ a: Tensor, _ b: Tensor, _ operation: String) throws {
        guard a.shape == b.shape else {
            throw EngineError.shapeMismatch(
                "\(operation): expected shape \(a.shape) but got \(b.shape)")
        }
    }
}

extension Pointwise {
    /// The error for a backward call that has no training-mode forward to work from.
    static func missingForward(_ layer: String) -> EngineError {
        .invalidConfiguration(
            "\(layer).backward was called without a preceding forward in training mode; call forward(_:mode: .training) first")
    }
}
