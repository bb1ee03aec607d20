import OpenCLKit

/// 2-D convolution on the device: im2col written straight into the packed GEMM layout, then
/// the packed GEMM (see `Kernels/conv.cl` for why). Images are processed in chunks so the
/// scratch memory stays under `scratchLimitBytes` whatever the batch size.
public final class Convolution {
    public let context: ComputeContext
    public let gemm: GEMM
    /// Upper bound on the temporary panels and columns of one chunk of images.
    public var scratchLimitBytes = 64 << 20
    let im2colKernel: Kernel
    let im2colTransposedKernel: Kernel
    let col2imKernel: Kernel
    let biasGradientKernel: Kernel

    /// Builds the kernels; shares `gemm` (and its tuning) when given.
    public init(_ context: ComputeContext, gemm: GEMM? = nil) throws {
        self.context = context
        self.gemm = try gemm ?? GEMM(context)
        im2colKernel = try context.kernel("conv.cl", "im2col_pack")
        im2colTransposedKernel = try context.kernel("conv.cl", "im2col_pack_transposed")
        col2imKernel = try context.kernel("conv.cl", "col2im")
        biasGradientKernel = try context.kernel("conv.cl", "conv_bias_grad")
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
                im2colKernel, global: [g.patchSize, (g.outputPixels + tuning.tileColumns - 1) / tuning.tileColumns, images], local: [16, 1, 1],
                g.inChannels, g.height, g.width, g.kernelHeight, g.kernelWidth, g.stride, g.padTop, g.padLeft,
                g.outHeight, g.outWidth, tuning.tileColumns, input, first * g.inChannels * g.height * g.width, columnPanels, panelStride)
            try gemm.multiplyPacked(
                m: g.filters, n: g.outputPixels, k: g.patchSize, alpha: 1, aPanels: weightPanels, aStride: 0,
                bPanels: columnPanels, bStride: panelStride, beta: 0,
                GEMMOperand(output, offset: first * g.filters * g.outputPixels, leadingDimension: g.outputPixels,
                            batchStride: g.filters * g.outputPixels),
                batch: images, bias: bias.map { .perRow($0) } ?? .none)
        }
    }

    /// inputGradient = d(loss)/d(input) from outputGradient (overwritten, not accumulated).
    public func backwardInput(
        outputGradient: DeviceBuffer<Float>, weight: DeviceBuffer<Float>, inputGradient: DeviceBuffer<Float>, geometry g: ConvGeometry
    ) throws {
        try require(outputGradient, g.outputShape, "output gradient")
        try require(weight, g.weightShape, "weight")
        try require(inputGradient, g.inputShape, "input gradient")
        let tuning = gemm.tuning
        // A = Wᵀ (CKK x F), shared by every image.
        let weightPanels = try DeviceBuffer<Float>(context, count: gemm.packedCount(rows: g.patchSize, k: g.filters, tile: tuning.tileRows))
        try gemm.pack(
            PanelSource(buffer: weight, offset: 0, rowStride: 1, kStride: g.patchSize, kInner: g.filters, kOuterStride: 0, batchStride: 0),
            rows: g.patchSize, k: g.filters, tile: tuning.tileRows, batch: 1, into: weightPanels)
        let panelStride = gemm.packedCount(rows: g.outputPixels, k: g.filters, tile: tuning.tileColumns)
        let columnsPerImage = g.patchSize * g.outputPixels
        let chunk = try imagesPerChunk(g, floatsPerImage: panelStride + columnsPerImage)
        let gradientPanels = try DeviceBuffer<Float>(context, count: panelStride * chunk)
        let columns = try DeviceBuffer<Float>(context, count: columnsPerImage * chunk)
        let imageSize = g.inChannels * g.height * g.width
        for first in stride(from: 0, to: g.batch, by: chunk) {
            let images = min(chunk, g.batch - first)
            // B = dY of each image (F x P).
            try gemm.pack(
                PanelSource(buffer: outputGradient, offset: first * g.filters * g.outputPixels, rowStride: 1, kStride: g.outputPixels,
                            kInner: g.filters, kOuterStride: 0, batchStride: g.filters * g.outputPixels),
                rows: g.outputPixels, k: g.filters, tile: tuning.tileColumns, batch: images, into: gradientPanels)
            try gemm.multiplyPacked(
                m: g.patchSize, n: g.outputPixels, k: g.filters, alpha: 1, aPanels: weightPanels, aStride: 0,
                bPanels: gradientPanels, bStride: images == 1 ? 0 : panelStride, beta: 0,
                GEMMOperand(columns, leadingDimension: g.outputPixels, batchStride: columnsPerImage), batch: images, bias: .none)
            try context.launch(
                col2imKernel, global: [g.width, g.height, images * g.inChannels], local: [16, 1, 1],
                g.inChannels, g.height, g.width, g.kernelHeight, g.kernelWidth, g.stride, g.padTop, g.padLeft,
                g.outHeight, g.outWidth, images, columns, inputGradient, first * imageSize)
        }
    }

    /// weightGradient (and biasGradient, when given) from the input and output gradient,
    /// summed over the batch in a fixed order; both are overwritten.
    public func backwardWeights(
        input: DeviceBuffer<Float>, outputGradient: DeviceBuffer<Float>, weightGradient: DeviceBuffer<Float>,
        biasGradient: DeviceBuffer<Float>?, geometry g: ConvGeometry
    ) throws {
        try require(input, g.inputShape, "input")
        try require(outputGradient, g.outputShape, "output gradient")
        try require(weightGradient, g.weightShape, "weight gradient")
        if let biasGradient { try require(biasGradient, [g.filters], "bias gradient") }
        let tuning = gemm.tuning
        let gradientFloats = gemm.packedCount(rows: g.filters, k: g.outputPixels, tile: tuning.tileRows)
        let patchFloats = gemm.packedCount(rows: g.patchSize, k: g.outputPixels, tile: tuning.tileColumns)
        let chunk = try imagesPerChunk(g, floatsPerImage: gradientFloats + patchFloats)
        let gradientPanels = try DeviceBuffer<Float>(context, count: gradientFloats * chunk)
        let patchPanels = try DeviceBuffer<Float>(context, count: patchFloats * chunk)
        for first in stride(from: 0, to: g.batch, by: chunk) {
            let images = min(chunk, g.batch - first)
            let k = images * g.outputPixels
            // A = dY of the chunk seen as F x (images * P).
            try gemm.pack(
                PanelSource(buffer: outputGradient, offset: first * g.filters * g.outputPixels, rowStride: g.outputPixels, kStride: 1,
                            kInner: g.outputPixels, kOuterStride: g.filters * g.outputPixels, batchStride: 0),
                rows: g.filters, k: k, tile: tuning.tileRows, batch: 1, into: gradientPanels)
            try context.launch(
                im2colTransposedKernel, global: [k, (g.patchSize + tuning.tileColumns - 1) / tuning.tileColumns], local: [16, 1],
                g.inChannels, g.height, g.width, g.kernelHeight, g.kernelWidth, g.stride, g.padTop, g.padLeft,
                g.outHeight, g.outWidth, tuning.tileColumns, images, input, first * g.inChannels * g.height * g.width, patchPanels)
            try gemm.multiplyPacked(
                m: g.filters, n: g.patchSize, k: k, alpha: 1, aPanels: gradientPanels, aStride: 0, bPanels: patchPanels, bStride: 0,
                beta: first == 0 ? 0 : 1, GEMMOperand(weightGradient, leadingDimension: g.patchSize), batch: 1, bias: .none)
        }
        if let biasGradient {
            try context.launch(
                biasGradientKernel, global: [g.filters], local: [1], g.batch, g.filters, g.outputPixels, outputGradient, biasGradient)
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

    private func require(_ buffer: DeviceBuffer<Float>, _ shape: [Int], _ name: String) throws {
        let needed = shape.reduce(1, *)
        guard buffer.count >= needed else {
            throw EngineError.shapeMismatch("convolution \(name) needs \(needed) floats for shape \(shape), buffer holds \(buffer.count)")
        }
    }
}
