import OpenCLKit

/// Convolution as im2col + the packed GEMM, for any stride: im2col writes patches straight
/// into the GEMM's packed panel layout (see `Kernels/conv.cl`); images are processed in
/// chunks so the scratch memory stays under the scratch limit whatever the batch size.
public final class Im2colConvolution: RectifyingConvolutionAlgorithm {
    public let name = "im2col"
    let resources: ConvolutionResources
    let im2colPackKernel: Kernel
    let im2colPackTransposedKernel: Kernel
    /// col2im built per kernel size and stride (its tap loops unroll), keyed by [height, width, stride].
    private var col2imKernels: [[Int]: Kernel] = [:]

    var context: ComputeContext { resources.context }
    var gemm: GEMM { resources.gemm }
    var profile: DeviceProfile { resources.profile }

    /// Builds the kernels for the GEMM's tile configuration.
    public init(_ resources: ConvolutionResources) throws {
        self.resources = resources
        let defines = ConvolutionResources.defines(resources.gemm.tuning)
        im2colPackKernel = try resources.context.kernel("conv.cl", "im2col_pack", defines: defines)
        im2colPackTransposedKernel = try resources.context.kernel("conv.cl", "im2col_pack_transposed", defines: defines)
    }

    /// Every stride, kernel size and padding.
    public func supports(_ geometry: ConvGeometry) -> Bool { Im2colConvolution.descriptor.supports(geometry) }

    /// For `Convolution`: what `supports` answers, known without an instance.
    public static let descriptor = ConvolutionAlgorithmDescriptor(
        name: "im2col", supports: { _ in true }, make: { try Im2colConvolution($0) })

    public func forward(
        input: DeviceBuffer<Float>, weight: DeviceBuffer<Float>, bias: DeviceBuffer<Float>?,
        output: DeviceBuffer<Float>, geometry g: ConvGeometry
    ) throws {
        try forward(input: input, weight: weight, bias: bias, output: output, geometry: g, rectify: false, prepared: nil)
    }

    /// The ReLU, when asked for, is applied in the GEMM's store.
    public func forward(
        input: DeviceBuffer<Float>, weight: DeviceBuffer<Float>, bias: DeviceBuffer<Float>?,
        output: DeviceBuffer<Float>, geometry g: ConvGeometry, rectify: Bool, prepared: PreparedWeights?
    ) throws {
        try resources.requireForward(input: input, weight: weight, bias: bias, output: output, g)
        let tuning = gemm.tuning(for: TunedProduct(kernel: .gemm, m: g.filters, n: g.outputPixels, k: g.patchSize, batch: g.batch))
        let weightPanels = try resources.forwardPanels(weight, g, tile: tuning.tileRows, prepared: prepared)
        let panelStride = gemm.packedCount(rows: g.outputPixels, k: g.patchSize, tile: tuning.tileColumns)
        let chunk = try resources.imagesPerChunk(g, floatsPerImage: panelStride)
        let columnPanels = try DeviceBuffer<Float>(context, count: panelStride * chunk)
        for first in stride(from: 0, to: g.batch, by: chunk) {
            let images = min(chunk, g.batch - first)
            try context.launch(
                im2colPackKernel, global: [g.patchSize, (g.outputPixels + tuning.tileColumns - 1) / tuning.tileColumns, images], local: [profile.im2colGroupSize, 1, 1],
                g.inChannels, g.height, g.width, g.kernelHeight, g.kernelWidth, g.stride, g.padTop, g.padLeft,
                g.outHeight, g.outWidth, tuning.tileColumns, input, first * g.inChannels * g.height * g.width, columnPanels, panelStride)
            WorkLedger.record(context, im2colPackKernel, bytes: floatBytes(images * (panelStride + g.inChannels * g.height * g.width)))
            try gemm.multiplyPacked(
                m: g.filters, n: g.outputPixels, k: g.patchSize, alpha: 1, aPanels: weightPanels, aStride: 0,
                bPanels: columnPanels, bStride: panelStride, beta: 0,
                GEMMOperand(output, offset: first * g.filters * g.outputPixels, leadingDimension: g.outputPixels,
                            batchStride: g.filters * g.outputPixels),
                batch: images, bias: bias.map { .perRow($0) } ?? .none, rectify: rectify, tuning: tuning)
        }
    }

    public func backward(
        input: DeviceBuffer<Float>?, outputGradient: DeviceBuffer<Float>, weight: DeviceBuffer<Float>?,
        inputGradient: DeviceBuffer<Float>?, weightGradient: DeviceBuffer<Float>?, biasGradient: DeviceBuffer<Float>?,
        geometry g: ConvGeometry
    ) throws {
        try resources.requireBackward(
            input: input, outputGradient: outputGradient, weight: weight, inputGradient: inputGradient,
            weightGradient: weightGradient, biasGradient: biasGradient, g)
        if let weightGradient, let input {
            try backwardWeights(input: input, outputGradient: outputGradient, weightGradient: weightGradient, geometry: g)
        }
        if let inputGradient, let weight {
            try backwardInput(outputGradient: outputGradient, weight: weight, inputGradient: inputGradient, geometry: g)
        }
        if let biasGradient { try resources.backwardBias(outputGradient: outputGradient, biasGradient: biasGradient, geometry: g) }
    }

    /// Input gradient through the packed GEMM: for stride 1, the flipped convolution of dY
    /// packed by im2col_pack (tiny images, where direct tiles would be mostly empty); for
    /// larger strides, a GEMM into columns and a col2im gather.
    private func backwardInput(
        outputGradient: DeviceBuffer<Float>, weight: DeviceBuffer<Float>, inputGradient: DeviceBuffer<Float>, geometry g: ConvGeometry
    ) throws {
        if g.stride == 1 {
            try backwardInputAsConvolution(outputGradient: outputGradient, weight: weight, inputGradient: inputGradient, geometry: g)
            return
        }
        let tuning = gemm.tuning(for: ConvolutionShapes.product(g, .backwardInput))
        // A = Wᵀ (CKK x F), shared by every image.
        let weightPanels = try DeviceBuffer<Float>(context, count: gemm.packedCount(rows: g.patchSize, k: g.filters, tile: tuning.tileRows))
        try gemm.pack(
            PanelSource(buffer: weight, offset: 0, rowStride: 1, kStride: g.patchSize, kInner: g.filters, kOuterStride: 0, batchStride: 0),
            rows: g.patchSize, k: g.filters, tile: tuning.tileRows, batch: 1, into: weightPanels)
        let panelStride = gemm.packedCount(rows: g.outputPixels, k: g.filters, tile: tuning.tileColumns)
        let columnsPerImage = g.patchSize * g.outputPixels
        let chunk = try resources.imagesPerChunk(g, floatsPerImage: panelStride + columnsPerImage)
        let gradientPanels = try DeviceBuffer<Float>(context, count: panelStride * chunk)
        let columns = try DeviceBuffer<Float>(context, count: columnsPerImage * chunk)
        let imageSize = g.inChannels * g.height * g.width
        let col2im = try col2imKernel(g)
        for first in stride(from: 0, to: g.batch, by: chunk) {
            let images = min(chunk, g.batch - first)
            // B = dY of each image (F x P).
            let gradientStride = try gemm.pack(
                PanelSource(buffer: outputGradient, offset: first * g.filters * g.outputPixels, rowStride: 1, kStride: g.outputPixels,
                            kInner: g.filters, kOuterStride: 0, batchStride: g.filters * g.outputPixels),
                rows: g.outputPixels, k: g.filters, tile: tuning.tileColumns, batch: images, into: gradientPanels)
            try gemm.multiplyPacked(
                m: g.patchSize, n: g.outputPixels, k: g.filters, alpha: 1, aPanels: weightPanels, aStride: 0,
                bPanels: gradientPanels, bStride: gradientStride, beta: 0,
                GEMMOperand(columns, leadingDimension: g.outputPixels, batchStride: columnsPerImage), batch: images, bias: .none,
                tuning: tuning)
            try context.launch(
                col2im, global: [(g.width + g.padLeft + g.stride - 1) / g.stride, g.height, images * g.inChannels],
                local: [profile.im2colGroupSize, 1, 1],
                g.inChannels, g.height, g.width, g.padTop, g.padLeft, g.outHeight, g.outWidth, images, columns, inputGradient,
                first * imageSize)
            WorkLedger.record(context, col2im, bytes: floatBytes(images * (columnsPerImage + imageSize)))
        }
    }

    private func col2imKernel(_ g: ConvGeometry) throws -> Kernel {
        let key = [g.kernelHeight, g.kernelWidth, g.stride]
        if let built = col2imKernels[key] { return built }
        let built = try context.kernel("col2im.cl", "col2im", defines: ["TAPS_H": key[0], "TAPS_W": key[1], "TAP_STRIDE": key[2]])
        col2imKernels[key] = built
        return built
    }

    /// Stride 1: dX is the convolution of dY (zero-padded by KH-1-padTop above, KW-1-padLeft
    /// left) with the weights flipped in space and with filters and channels swapped, run as
    /// the im2col forward pass runs, straight into dX.
    private func backwardInputAsConvolution(
        outputGradient: DeviceBuffer<Float>, weight: DeviceBuffer<Float>, inputGradient: DeviceBuffer<Float>, geometry g: ConvGeometry
    ) throws {
        let taps = g.kernelHeight * g.kernelWidth
        let k = g.filters * taps
        let pixels = g.height * g.width
        let tuning = gemm.tuning(for: TunedProduct(kernel: .gemm, m: g.inChannels, n: pixels, k: k, batch: g.batch))
        let weightPanels = try resources.packWeights(weight, g, flipped: true, tile: tuning.tileRows)
        let panelStride = gemm.packedCount(rows: pixels, k: k, tile: tuning.tileColumns)
        let chunk = try resources.imagesPerChunk(g, floatsPerImage: panelStride)
        let gradientPanels = try DeviceBuffer<Float>(context, count: panelStride * chunk)
        for first in stride(from: 0, to: g.batch, by: chunk) {
            let images = min(chunk, g.batch - first)
            try context.launch(
                im2colPackKernel, global: [k, (pixels + tuning.tileColumns - 1) / tuning.tileColumns, images], local: [profile.im2colGroupSize, 1, 1],
                g.filters, g.outHeight, g.outWidth, g.kernelHeight, g.kernelWidth, 1,
                g.kernelHeight - 1 - g.padTop, g.kernelWidth - 1 - g.padLeft, g.height, g.width, tuning.tileColumns,
                outputGradient, first * g.filters * g.outputPixels, gradientPanels, panelStride)
            WorkLedger.record(context, im2colPackKernel, bytes: floatBytes(images * (panelStride + g.filters * g.outputPixels)))
            try gemm.multiplyPacked(
                m: g.inChannels, n: pixels, k: k, alpha: 1, aPanels: weightPanels, aStride: 0,
                bPanels: gradientPanels, bStride: panelStride, beta: 0,
                GEMMOperand(inputGradient, offset: first * g.inChannels * pixels, leadingDimension: pixels, batchStride: g.inChannels * pixels),
                batch: images, bias: .none, tuning: tuning)
        }
    }

    /// The weight gradient as one GEMM per chunk of images, over all its pixels:
    /// dW (F x CKK) = dY (F x images*P) * colsᵀ (images*P x CKK), dY packed into panels and
    /// colsᵀ written as panels by im2col_pack_transposed; later chunks add to it (beta 1), so
    /// the sum runs in a fixed order. For larger strides, and for small images, where the
    /// direct kernel's rows are too short.
    private func backwardWeights(
        input: DeviceBuffer<Float>, outputGradient: DeviceBuffer<Float>, weightGradient: DeviceBuffer<Float>, geometry g: ConvGeometry
    ) throws {
        let pixels = g.outputPixels
        let tuning = gemm.tuning(for: TunedProduct(kernel: .gemm, m: g.filters, n: g.patchSize, k: pixels * g.batch))
        let paddedFilters = roundUp(g.filters, to: tuning.tileRows)
        let paddedTaps = roundUp(g.patchSize, to: tuning.tileColumns)
        let chunk = try resources.imagesPerChunk(g, floatsPerImage: (paddedFilters + paddedTaps) * pixels)
        let gradientPanels = try DeviceBuffer<Float>(context, count: paddedFilters * pixels * chunk)
        let columnPanels = try DeviceBuffer<Float>(context, count: paddedTaps * pixels * chunk)
        for first in stride(from: 0, to: g.batch, by: chunk) {
            let images = min(chunk, g.batch - first)
            let k = images * pixels
            try context.launch(
                im2colPackTransposedKernel, global: [pixels, paddedTaps / tuning.tileColumns, images], local: [profile.im2colGroupSize, 1, 1],
                g.inChannels, g.height, g.width, g.kernelHeight, g.kernelWidth, g.stride, g.padTop, g.padLeft,
                g.outHeight, g.outWidth, tuning.tileColumns, images, input, first * g.inChannels * g.height * g.width, columnPanels)
            WorkLedger.record(
                context, im2colPackTransposedKernel, bytes: floatBytes(images * (paddedTaps * pixels + g.inChannels * g.height * g.width)))
            // A[f][(b, p)] = dY[b][f][p]: pixels of one image are contiguous, images follow each
            // other at a fixed stride.
            try gemm.pack(
                PanelSource(buffer: outputGradient, offset: first * g.filters * pixels, rowStride: pixels, kStride: 1,
                            kInner: pixels, kOuterStride: g.filters * pixels, batchStride: 0),
                rows: g.filters, k: k, tile: tuning.tileRows, batch: 1, into: gradientPanels)
            try gemm.multiplyPacked(
                m: g.filters, n: g.patchSize, k: k, alpha: 1, aPanels: gradientPanels, aStride: 0, bPanels: columnPanels, bStride: 0,
                beta: first == 0 ? 0 : 1, GEMMOperand(weightGradient, leadingDimension: g.patchSize), batch: 1, bias: .none,
                tuning: tuning)
        }
    }
}
