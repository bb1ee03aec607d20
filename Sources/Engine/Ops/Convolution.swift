import OpenCLKit

/// 2-D convolution on the device: im2col written straight into the packed GEMM layout, then
/// the packed GEMM (see `Kernels/conv.cl` for why). Images are processed in chunks so the
/// scratch memory stays under `scratchLimitBytes` whatever the batch size.
public final class Convolution {
    public let context: ComputeContext
    public let gemm: GEMM
    /// Upper bound on the temporary panels and columns of one chunk of images.
    public var scratchLimitBytes = 64 << 20
    /// Filters x taps of the weight gradient each work-item sums (DW_ROWS x DW_COLS 16-wide sums).
    static let weightGradientBlock = (filters: 4, taps: 6)
    static let defines = ["DW_ROWS": weightGradientBlock.filters, "DW_COLS": weightGradientBlock.taps]
    let im2colPackKernel: Kernel
    let im2colKernel: Kernel
    let weightGradientKernel: Kernel
    let col2imKernel: Kernel
    let biasGradientKernel: Kernel

    /// Builds the kernels; shares `gemm` (and its tuning) when given.
    public init(_ context: ComputeContext, gemm: GEMM? = nil) throws {
        self.context = context
        self.gemm = try gemm ?? GEMM(context)
        im2colPackKernel = try context.kernel("conv.cl", "im2col_pack", defines: Convolution.defines)
        im2colKernel = try context.kernel("conv.cl", "im2col", defines: Convolution.defines)
        weightGradientKernel = try context.kernel("conv.cl", "conv_weight_grad", defines: Convolution.defines)
        col2imKernel = try context.kernel("conv.cl", "col2im", defines: Convolution.defines)
        biasGradientKernel = try context.kernel("conv.cl", "conv_bias_grad", defines: Convolution.defines)
    }

    /// output = conv(input, weight) + bias, all NCHW; bias (length F) is optional.
    public func forward(
        input: DeviceBuffer<Float>, weight: DeviceBuffer<Float>, bias: DeviceBuffer<Float>?,
        output: DeviceBuffer<Float>, geometry g: ConvGeometry
    ) throws {
        try require(input, g.inputShape, "input")
        try require(weight, g.weightShape, "weight")
        try require(output, g.outputShape, "output")
        if let bias { try require(bias, [g.filters], "bias") }
        let tuning = gemm.tuning
        let weightPanels = try DeviceBuffer<Float>(context, count: gemm.packedCount(rows: g.filters, k: g.patchSize, tile: tuning.tileRows))
        try gemm.pack(
            PanelSource(buffer: weight, offset: 0, rowStride: g.patchSize, kStride: 1, kInner: g.patchSize, kOuterStride: 0, batchStride: 0),
            rows: g.filters, k: g.patchSize, tile: tuning.tileRows, batch: 1, into: weightPanels)
        let panelStride = gemm.packedCount(rows: g.outputPixels, k: g.patchSize, tile: tuning.tileColumns)
        let chunk = try imagesPerChunk(g, floatsPerImage: panelStride)
        let columnPanels = try DeviceBuffer<Float>(context, count: panelStride * chunk)
        for first in stride(from: 0, to: g.batch, by: chunk) {
            let images = min(chunk, g.batch - first)
            try context.launch(
                im2colPackKernel, global: [g.patchSize, (g.outputPixels + tuning.tileColumns - 1) / tuning.tileColumns, images], local: [16, 1, 1],
                g.inChannels, g.height, g.width, g.kernelHeight, g.kernelWidth, g.stride, g.padTop, g.padLeft,
                g.outHeight, g.outWidth, tuning.tileColumns, input, first * g.inChannels * g.height * g.width, columnPanels, panelStride)
            WorkLedger.record(context, im2colPackKernel, bytes: floatBytes(images * (panelStride + g.inChannels * g.height * g.width)))
            try gemm.multiplyPacked(
                m: g.filters, n: g.outputPixels, k: g.patchSize, alpha: 1, aPanels: weightPanels, aStride: 0,
                bPanels: columnPanels, bStride: panelStride, beta: 0,
                GEMMOperand(output, offset: first * g.filters * g.outputPixels, leadingDimension: g.outputPixels,
                            batchStride: g.filters * g.outputPixels),
                batch: images, bias: bias.map { .perRow($0) } ?? .none)
        }
    }

    /// How many images fit the scratch limit together (at least one); throws when one image
    /// alone would overflow the kernels' 32-bit indexing.
    func imagesPerChunk(_ g: ConvGeometry, floatsPerImage: Int) throws -> Int {
        let limit = Int(Int32.max)
        guard floatsPerImage < limit,
              g.batch * max(g.inChannels * g.height * g.width, g.filters * g.outputPixels) < limit
        else {
            throw EngineError.invalidConfiguration("\(g) is too large for the convolution kernels' 32-bit indexing; use a smaller batch or image")
        }
        let fit = max(1, scratchLimitBytes / (4 * max(floatsPerImage, 1)))
        return min(g.batch, fit, max(1, limit / floatsPerImage))
    }

    func require(_ buffer: DeviceBuffer<Float>, _ shape: [Int], _ name: String) throws {
        let needed = shape.reduce(1, *)
        guard buffer.count >= needed else {
            throw EngineError.shapeMismatch("convolution \(name) needs \(needed) floats for shape \(shape), buffer holds \(buffer.count)")
        }
    }
}
