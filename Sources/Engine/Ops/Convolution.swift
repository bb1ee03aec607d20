import OpenCLKit

/// Which kernels run a stride-1 convolution.
public enum ConvolutionPath: Sendable {
    /// Direct kernels unless most of their tiles would be thrown away (tiny images).
    case automatic
    /// The direct kernels on padded planes (larger strides still take im2col).
    case direct
    /// im2col + the packed GEMM, as larger strides always do.
    case im2col
}

/// 2-D convolution on the device: stride 1 runs directly on zero-padded copies of the planes
/// (no im2col matrix); larger strides and tiny images write im2col straight into the packed
/// GEMM layout and run the packed GEMM (see `Kernels/conv.cl` for why). Images are processed
/// in chunks so the scratch memory stays under `scratchLimitBytes` whatever the batch size.
public final class Convolution {
    public let context: ComputeContext
    public let gemm: GEMM
    /// Upper bound on the temporary panels and columns of one chunk of images.
    public var scratchLimitBytes = 64 << 20
    /// Which kernels run stride-1 convolutions (tests pin each path; `.automatic` otherwise).
    public var path: ConvolutionPath = .automatic
    /// Filters x taps of the weight gradient each work-item sums (DW_ROWS x DW_COLS vector sums).
    static let weightGradientBlock = (filters: 3, taps: 9)
    /// Build options of `conv.cl` for a tile configuration.
    static func defines(_ tuning: GEMMTuning) -> [String: Int] {
        tuning.defines.merging(["DW_ROWS": weightGradientBlock.filters, "DW_COLS": weightGradientBlock.taps]) { $1 }
    }
    let im2colPackKernel: Kernel
    let im2colPackTransposedKernel: Kernel
    let col2imKernel: Kernel
    let biasGradientKernel: Kernel
    private var direct: [DirectConvolutionKernels.Key: DirectConvolutionKernels] = [:]
    /// Opt-in Winograd for the shapes it supports (`WinogradOptIn`); nil unless asked for.
    let winograd: WinogradConvolution?

    /// Builds the kernels; shares `gemm` (and its tuning) when given.
    public init(_ context: ComputeContext, gemm: GEMM? = nil) throws {
        self.context = context
        self.gemm = try gemm ?? GEMM(context)
        let defines = Convolution.defines(self.gemm.tuning)
        im2colPackKernel = try context.kernel("conv.cl", "im2col_pack", defines: defines)
        im2colPackTransposedKernel = try context.kernel("conv.cl", "im2col_pack_transposed", defines: defines)
        col2imKernel = try context.kernel("conv.cl", "col2im", defines: defines)
        biasGradientKernel = try context.kernel("conv.cl", "conv_bias_grad", defines: defines)
        winograd = try WinogradOptIn.algorithm(context, gemm: self.gemm)
    }

    /// The tile configuration of the direct kernels for one pass of a convolution: a stored
    /// tuner choice for its shape class on this device, else the GEMM's own.
    func tuning(for g: ConvGeometry, pass: ConvolutionPass) -> GEMMTuning {
        var product = ConvolutionShapes.product(g, pass)
        if product.kernel == .gemm { product.kernel = .convolution }
        return gemm.tuning(for: product)
    }

    /// The direct kernels built for `tuning` and a kernel width (built once per pair).
    func directKernels(_ tuning: GEMMTuning, kernelWidth: Int) throws -> DirectConvolutionKernels {
        let key = DirectConvolutionKernels.Key(tuning: tuning, kernelWidth: kernelWidth)
        if let kernels = direct[key] { return kernels }
        let kernels = try DirectConvolutionKernels(context, tuning: tuning, kernelWidth: kernelWidth)
        direct[key] = kernels
        return kernels
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
        WorkLedger.record(context, product: ConvolutionShapes.product(g, .forward), convolution: g, pass: .forward)
        if let winograd, winograd.supports(g) {  // opt-in, see WinogradOptIn
            return try winograd.forward(input: input, weight: weight, bias: bias, output: output, geometry: g)
        }
        let directTuning = tuning(for: g, pass: .forward)
        if useDirect(g, Convolution.forwardProduct(g), directTuning) {
            try forwardDirect(input: input, weight: weight, bias: bias, output: output, geometry: g, tuning: directTuning)
            return
        }
        let tuning = gemm.tuning(for: TunedProduct(kernel: .gemm, m: g.filters, n: g.outputPixels, k: g.patchSize, batch: g.batch))
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
                batch: images, bias: bias.map { .perRow($0) } ?? .none, tuning: tuning)
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
