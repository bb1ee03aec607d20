import OpenCLKit

/// What the algorithms of one `Convolution` share: the context and its profile, the GEMM
/// (with its tile choices), the scratch budget, and the helpers every algorithm needs.
public final class ConvolutionResources {
    public let context: ComputeContext
    public let gemm: GEMM
    /// The context's profile when built (group sizes, thresholds).
    public let profile: DeviceProfile
    /// Upper bound on the temporary panels and columns of one chunk of images.
    public var scratchLimitBytes = 64 << 20
    let biasGradientKernel: Kernel

    /// Filters x taps of the weight gradient each work-item sums (DW_ROWS x DW_COLS vector sums).
    static let weightGradientBlock = (filters: 3, taps: 9)

    /// Build options of `conv.cl` for a tile configuration.
    static func defines(_ tuning: GEMMTuning) -> [String: Int] {
        tuning.defines.merging(["DW_ROWS": weightGradientBlock.filters, "DW_COLS": weightGradientBlock.taps]) { $1 }
    }

    /// Shares `gemm` (and its tuning) when given.
    public init(_ context: ComputeContext, gemm: GEMM? = nil) throws {
        self.context = context
        self.gemm = try gemm ?? GEMM(context)
        profile = self.gemm.profile
        biasGradientKernel = try context.kernel("conv.cl", "conv_bias_grad", defines: ConvolutionResources.defines(self.gemm.tuning))
    }

    /// The tile configuration of the direct kernels for one pass of a convolution: a stored
    /// tuner choice for its shape class on this device, else the profile's.
    public func directTuning(for g: ConvGeometry, pass: ConvolutionPass) -> GEMMTuning {
        var product = ConvolutionShapes.product(g, pass)
        if product.kernel == .gemm { product.kernel = .convolution }
        return gemm.tuning(for: product)
    }

    /// How many images fit the scratch limit together (at least one); throws when one image
    /// alone would overflow the kernels' 32-bit indexing.
    public func imagesPerChunk(_ g: ConvGeometry, floatsPerImage: Int) throws -> Int {
        let limit = Int(Int32.max)
        guard floatsPerImage < limit,
              g.batch * max(g.inChannels * g.height * g.width, g.filters * g.outputPixels) < limit
        else {
            throw EngineError.invalidConfiguration("\(g) is too large for the convolution kernels' 32-bit indexing; use a smaller batch or image")
        }
        let fit = max(1, scratchLimitBytes / (4 * max(floatsPerImage, 1)))
        return min(g.batch, fit, max(1, limit / floatsPerImage))
    }

    /// Throws unless `buffer` holds a tensor of `shape`.
    public func require(_ buffer: DeviceBuffer<Float>, _ shape: [Int], _ name: String) throws {
        let needed = shape.reduce(1, *)
        guard buffer.count >= needed else {
            throw EngineError.shapeMismatch("convolution \(name) needs \(needed) floats for shape \(shape), buffer holds \(buffer.count)")
        }
    }

    /// Checks the buffers of a forward pass.
    func requireForward(
        input: DeviceBuffer<Float>, weight: DeviceBuffer<Float>, bias: DeviceBuffer<Float>?, output: DeviceBuffer<Float>, _ g: ConvGeometry
    ) throws {
        try require(input, g.inputShape, "input")
        try require(weight, g.weightShape, "weight")
        try require(output, g.outputShape, "output")
        if let bias { try require(bias, [g.filters], "bias") }
    }

    /// Checks the buffers of a backward pass, and that each requested gradient has what it is computed from.
    func requireBackward(
        input: DeviceBuffer<Float>?, outputGradient: DeviceBuffer<Float>, weight: DeviceBuffer<Float>?,
        inputGradient: DeviceBuffer<Float>?, weightGradient: DeviceBuffer<Float>?, biasGradient: DeviceBuffer<Float>?, _ g: ConvGeometry
    ) throws {
        if inputGradient != nil && weight == nil {
            throw EngineError.invalidConfiguration("the convolution's input gradient needs its weights")
        }
        if weightGradient != nil && input == nil {
            throw EngineError.invalidConfiguration("the convolution's weight gradient needs its input")
        }
        if let input { try require(input, g.inputShape, "input") }
        try require(outputGradient, g.outputShape, "output gradient")
        if let weight { try require(weight, g.weightShape, "weight") }
        if let weightGradient { try require(weightGradient, g.weightShape, "weight gradient") }
        if let inputGradient { try require(inputGradient, g.inputShape, "input gradient") }
        if let biasGradient { try require(biasGradient, [g.filters], "bias gradient") }
    }

    /// Packs the weights as A panels: as stored for the forward pass, flipped in space with
    /// filters and channels swapped for backward to the input (A[c][(f, t)] = W[f][c][taps-1-t]).
    func packWeights(_ weight: DeviceBuffer<Float>, _ g: ConvGeometry, flipped: Bool, tile: Int) throws -> DeviceBuffer<Float> {
        let taps = g.kernelHeight * g.kernelWidth
        let rows = flipped ? g.inChannels : g.filters
        let k = flipped ? g.filters * taps : g.patchSize
        let panels = try DeviceBuffer<Float>(context, count: gemm.packedCount(rows: rows, k: k, tile: tile))
        let source = flipped
            ? PanelSource(buffer: weight, offset: taps - 1, rowStride: taps, kStride: -1, kInner: taps,
                          kOuterStride: g.inChannels * taps, batchStride: 0)
            : PanelSource(buffer: weight, offset: 0, rowStride: g.patchSize, kStride: 1, kInner: g.patchSize, kOuterStride: 0, batchStride: 0)
        try gemm.pack(source, rows: rows, k: k, tile: tile, batch: 1, into: panels)
        return panels
    }

    /// The forward pass's A panels of `weight` (as `packWeights` makes them, not flipped):
    /// the ones kept in `prepared` while `weight` is unwritten, else packed now (and kept there).
    func forwardPanels(_ weight: DeviceBuffer<Float>, _ g: ConvGeometry, tile: Int, prepared: PreparedWeights?) throws -> DeviceBuffer<Float> {
        guard let prepared else { return try packWeights(weight, g, flipped: false, tile: tile) }
        let key = PreparedWeights.Key(arrangement: "convolution A panels", layout: [tile, g.filters, g.patchSize])
        return try prepared.buffer(key, from: weight) { try packWeights(weight, g, flipped: false, tile: tile) }
    }

    /// db[f] = sum over images and pixels of dY, in a fixed order.
    func backwardBias(outputGradient: DeviceBuffer<Float>, biasGradient: DeviceBuffer<Float>, geometry g: ConvGeometry) throws {
        try context.launch(
            biasGradientKernel, global: [g.filters], local: [1], g.batch, g.filters, g.outputPixels, outputGradient, biasGradient)
        WorkLedger.record(context, biasGradientKernel, bytes: floatBytes(g.batch * g.filters * g.outputPixels + g.filters))
    }

    /// Rows per work-item, items and group size for row-wise copies, as the profile says:
    /// several rows per item and few items per compute unit (CPUs), or one row per item in wide groups.
    func rowSplit(_ rows: Int) -> (perItem: Int, items: Int, local: Int) {
        if let perUnit = profile.rowItemsPerComputeUnit {
            let perItem = max(1, rows / (perUnit * max(1, context.device.computeUnits)))
            return (perItem, (rows + perItem - 1) / perItem, 1)
        }
        return (1, rows, min(profile.rowGroupSize, context.device.maxWorkGroupSize))
    }
}
