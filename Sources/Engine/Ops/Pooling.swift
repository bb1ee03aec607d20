import OpenCLKit

/// Max, average and global-average pooling on the device, forward and backward.
public final class Pooling {
    public let context: ComputeContext
    let maxForwardKernel: Kernel
    let maxBackwardKernel: Kernel
    let maxBackwardBandsKernel: Kernel
    let averageForwardKernel: Kernel
    let averageBackwardKernel: Kernel
    let globalForwardKernel: Kernel
    let globalBackwardKernel: Kernel
    /// Bound in place of `argmax` when the caller keeps none (the kernel then never writes it).
    let unusedArgmax: DeviceBuffer<Int32>
    /// Bound in place of the per-channel scale and shift when there is no affine map.
    let unusedChannelValues: DeviceBuffer<Float>

    /// Builds the pooling kernels for `context`.
    public init(_ context: ComputeContext) throws {
        self.context = context
        maxForwardKernel = try context.kernel("pool.cl", "maxpool_forward")
        maxBackwardKernel = try context.kernel("pool.cl", "maxpool_backward")
        maxBackwardBandsKernel = try context.kernel("pool.cl", "maxpool_backward_bands")
        averageForwardKernel = try context.kernel("pool.cl", "avgpool_forward")
        averageBackwardKernel = try context.kernel("pool.cl", "avgpool_backward")
        globalForwardKernel = try context.kernel("pool.cl", "global_avgpool_forward")
        globalBackwardKernel = try context.kernel("pool.cl", "global_avgpool_backward")
        unusedArgmax = try DeviceBuffer<Int32>(context, count: 1)
        unusedChannelValues = try DeviceBuffer<Float>(context, count: 1)
    }

    /// A per-channel map x * scale[c] + shift[c] applied to the input before pooling.
    public struct ChannelAffine {
        public let scale: DeviceBuffer<Float>
        public let shift: DeviceBuffer<Float>

        public init(scale: DeviceBuffer<Float>, shift: DeviceBuffer<Float>) {
            self.scale = scale
            self.shift = shift
        }
    }

    /// Window maxima; `argmax` (one per output, the first maximum's index in its plane) is
    /// written when given, for `maxBackward`. `rectify` pools ReLU(input) instead, with
    /// argmax -1 where the window's maximum is not positive. `affine` pools the input mapped
    /// per channel first (a batch norm's normalisation; with `rectify`, batch norm + ReLU).
    public func maxForward(
        input: DeviceBuffer<Float>, output: DeviceBuffer<Float>, argmax: DeviceBuffer<Int32>?, geometry g: PoolGeometry,
        rectify: Bool = false, affine: ChannelAffine? = nil
    ) throws {
        try require(input.count, g.inputShape, "input")
        try require(output.count, g.outputShape, "output")
        if let argmax { try require(argmax.count, g.outputShape, "argmax") }
        if let affine {
            try require(affine.scale.count, [g.channels], "per-channel scale")
            try require(affine.shift.count, [g.channels], "per-channel shift")
        }
        let rows = rowSplit(g)
        try context.launch(
            maxForwardKernel, global: [rows.items], local: [rows.local], g.height, g.width, g.size, g.stride, g.outHeight, g.outWidth,
            g.planes, rows.perItem, input, output, argmax ?? unusedArgmax, Int32(argmax == nil ? 0 : 1), Int32(rectify ? 1 : 0),
            Int32(affine == nil ? 0 : 1), affine?.scale ?? unusedChannelValues, affine?.shift ?? unusedChannelValues, g.channels)
        WorkLedger.record(context, maxForwardKernel, bytes: floatBytes(g.inputShape.reduce(1, *) + g.outputShape.reduce(1, *) * (argmax == nil ? 1 : 2)))
    }

    /// Routes each output gradient to its window's argmax (overwrites inputGradient).
    public func maxBackward(outputGradient: DeviceBuffer<Float>, argmax: DeviceBuffer<Int32>, inputGradient: DeviceBuffer<Float>, geometry g: PoolGeometry) throws {
        try require(outputGradient.count, g.outputShape, "output gradient")
        try require(argmax.count, g.outputShape, "argmax")
        try require(inputGradient.count, g.inputShape, "input gradient")
        if g.stride >= g.size {
            let rows = rowSplit(g)
            try context.launch(
                maxBackwardBandsKernel, global: [rows.items], local: [rows.local], g.height, g.width, g.stride, g.outHeight, g.outWidth,
                g.planes, rows.perItem, outputGradient, argmax, inputGradient)
            WorkLedger.record(context, maxBackwardBandsKernel, bytes: floatBytes(g.inputShape.reduce(1, *) + 2 * g.outputShape.reduce(1, *)))
            return
        }
        try context.launch(
            maxBackwardKernel, global: inputGlobal(g), local: [8, 1, 1], g.height, g.width, g.size, g.stride, g.outHeight, g.outWidth,
            g.planes, outputGradient, argmax, inputGradient)
        WorkLedger.record(context, maxBackwardKernel, bytes: floatBytes(g.inputShape.reduce(1, *) + 2 * g.outputShape.reduce(1, *)))
    }

    /// Window means.
    public func averageForward(input: DeviceBuffer<Float>, output: DeviceBuffer<Float>, geometry g: PoolGeometry) throws {
        try require(input.count, g.inputShape, "input")
        try require(output.count, g.outputShape, "output")
        try context.launch(
            averageForwardKernel, global: outputGlobal(g), local: [8, 1, 1], g.height, g.width, g.size, g.stride, g.outHeight, g.outWidth,
            g.planes, input, output)
        WorkLedger.record(context, averageForwardKernel, bytes: floatBytes(g.inputShape.reduce(1, *) + g.outputShape.reduce(1, *)))
    }

    /// Spreads each output gradient evenly over its window (overwrites inputGradient).
    public func averageBackward(outputGradient: DeviceBuffer<Float>, inputGradient: DeviceBuffer<Float>, geometry g: PoolGeometry) throws {
        try require(outputGradient.count, g.outputShape, "output gradient")
        try require(inputGradient.count, g.inputShape, "input gradient")
        try context.launch(
            averageBackwardKernel, global: inputGlobal(g), local: [8, 1, 1], g.height, g.width, g.size, g.stride, g.outHeight, g.outWidth,
            g.planes, outputGradient, inputGradient)
        WorkLedger.record(context, averageBackwardKernel, bytes: floatBytes(g.inputShape.reduce(1, *) + g.outputShape.reduce(1, *)))
    }

    /// Mean of each of `planes` planes of `pixels` values: [N, C, H, W] -> [N, C].
    public func globalAverageForward(input: DeviceBuffer<Float>, output: DeviceBuffer<Float>, planes: Int, pixels: Int) throws {
        try requireGlobal(planes: planes, pixels: pixels, input: input.count, output: output.count, "input")
        try context.launch(globalForwardKernel, global: [planes], local: [1], pixels, planes, input, output)
        WorkLedger.record(context, globalForwardKernel, bytes: floatBytes(planes * pixels + planes))
    }

    /// Each pixel of a plane gets its plane's gradient / pixels (overwrites inputGradient).
    public func globalAverageBackward(outputGradient: DeviceBuffer<Float>, inputGradient: DeviceBuffer<Float>, planes: Int, pixels: Int) throws {
        try requireGlobal(planes: planes, pixels: pixels, input: inputGradient.count, output: outputGradient.count, "input gradient")
        try context.launch(globalBackwardKernel, global: [planes * pixels], local: [64], pixels, planes, outputGradient, inputGradient)
        WorkLedger.record(context, globalBackwardKernel, bytes: floatBytes(planes * pixels + planes))
    }

    /// Output rows per work-item, items and group size for the row kernels, as the profile
    /// says: on CPUs a few items per compute unit (few groups, little scheduling overhead);
    /// elsewhere one row per item in wide groups.
    private func rowSplit(_ g: PoolGeometry) -> (perItem: Int, items: Int, local: Int) {
        let rows = g.planes * g.outHeight
        let profile = context.profile
        if let perUnit = profile.rowItemsPerComputeUnit {
            let perItem = max(1, rows / (perUnit * max(1, context.device.computeUnits)))
            return (perItem, (rows + perItem - 1) / perItem, 1)
        }
        return (1, rows, min(profile.rowGroupSize, context.device.maxWorkGroupSize))
    }

    private func outputGlobal(_ g: PoolGeometry) -> [Int] { [g.outWidth, g.outHeight, g.planes] }
    private func inputGlobal(_ g: PoolGeometry) -> [Int] { [g.width, g.height, g.planes] }

    private func require(_ count: Int, _ shape: [Int], _ name: String) throws {
        let needed = shape.reduce(1, *)
        guard count >= needed, needed < Int(Int32.max) else {
            throw EngineError.shapeMismatch("pooling \(name) needs \(needed) elements for shape \(shape), buffer holds \(count)")
        }
    }

    private func requireGlobal(planes: Int, pixels: Int, input: Int, output: Int, _ name: String) throws {
        guard planes >= 1, pixels >= 1, input >= planes * pixels, output >= planes, planes * pixels < Int(Int32.max) else {
            throw EngineError.shapeMismatch(
                "global average pooling of \(planes) planes x \(pixels) pixels: \(name) holds \(input), output side holds \(output)")
        }
    }
}
