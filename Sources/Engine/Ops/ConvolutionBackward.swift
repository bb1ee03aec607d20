import OpenCLKit

/// Gradients of the convolution with respect to its input, weights and bias.
extension Convolution {
    /// inputGradient = d(loss)/d(input) from outputGradient (overwritten, not accumulated).
    public func backwardInput(
        outputGradient: DeviceBuffer<Float>, weight: DeviceBuffer<Float>, inputGradient: DeviceBuffer<Float>, geometry g: ConvGeometry
    ) throws {
        try require(outputGradient, g.outputShape, "output gradient")
        try require(weight, g.weightShape, "weight")
        try require(inputGradient, g.inputShape, "input gradient")
        // The flipped convolution's patch matrix is F/C times the column buffer, so it only
        // pays off while filters do not far outnumber channels (not, say, a first layer 1 -> 16).
        if g.stride == 1, g.filters <= 2 * g.inChannels {
            try backwardInputAsConvolution(outputGradient: outputGradient, weight: weight, inputGradient: inputGradient, geometry: g)
            return
        }
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
            let gradientStride = try gemm.pack(
                PanelSource(buffer: outputGradient, offset: first * g.filters * g.outputPixels, rowStride: 1, kStride: g.outputPixels,
                            kInner: g.filters, kOuterStride: 0, batchStride: g.filters * g.outputPixels),
                rows: g.outputPixels, k: g.filters, tile: tuning.tileColumns, batch: images, into: gradientPanels)
            try gemm.multiplyPacked(
                m: g.patchSize, n: g.outputPixels, k: g.filters, alpha: 1, aPanels: weightPanels, aStride: 0,
                bPanels: gradientPanels, bStride: gradientStride, beta: 0,
                GEMMOperand(columns, leadingDimension: g.outputPixels, batchStride: columnsPerImage), batch: images, bias: .none)
            try context.launch(
                col2imKernel, global: [g.width, g.height, images * g.inChannels], local: [16, 1, 1],
                g.inChannels, g.height, g.width, g.kernelHeight, g.kernelWidth, g.stride, g.padTop, g.padLeft,
                g.outHeight, g.outWidth, images, columns, inputGradient, first * imageSize)
            WorkLedger.record(context, col2imKernel, bytes: floatBytes(images * (columnsPerImage + imageSize)))
        }
    }

    /// Stride 1: dX is the convolution of dY (zero-padded by KH-1-padTop above, KW-1-padLeft
    /// left) with the weights flipped in space and with filters and channels swapped, so it
    /// runs as the forward pass does, straight into dX, with no column buffer and no col2im.
    private func backwardInputAsConvolution(
        outputGradient: DeviceBuffer<Float>, weight: DeviceBuffer<Float>, inputGradient: DeviceBuffer<Float>, geometry g: ConvGeometry
    ) throws {
        let tuning = gemm.tuning
        let taps = g.kernelHeight * g.kernelWidth
        let k = g.filters * taps
        let pixels = g.height * g.width
        // A[c][(f, t)] = W[f][c][taps - 1 - t]: a negative stride along t does the flip.
        let weightPanels = try DeviceBuffer<Float>(context, count: gemm.packedCount(rows: g.inChannels, k: k, tile: tuning.tileRows))
        try gemm.pack(
            PanelSource(buffer: weight, offset: taps - 1, rowStride: taps, kStride: -1, kInner: taps,
                        kOuterStride: g.inChannels * taps, batchStride: 0),
            rows: g.inChannels, k: k, tile: tuning.tileRows, batch: 1, into: weightPanels)
        let panelStride = gemm.packedCount(rows: pixels, k: k, tile: tuning.tileColumns)
        let chunk = try imagesPerChunk(g, floatsPerImage: panelStride)
        let gradientPanels = try DeviceBuffer<Float>(context, count: panelStride * chunk)
        for first in stride(from: 0, to: g.batch, by: chunk) {
            let images = min(chunk, g.batch - first)
            try context.launch(
                im2colPackKernel, global: [k, (pixels + tuning.tileColumns - 1) / tuning.tileColumns, images], local: [16, 1, 1],
                g.filters, g.outHeight, g.outWidth, g.kernelHeight, g.kernelWidth, 1,
                g.kernelHeight - 1 - g.padTop, g.kernelWidth - 1 - g.padLeft, g.height, g.width, tuning.tileColumns,
                outputGradient, first * g.filters * g.outputPixels, gradientPanels, panelStride)
            WorkLedger.record(context, im2colPackKernel, bytes: floatBytes(images * (panelStride + g.filters * g.outputPixels)))
            try gemm.multiplyPacked(
                m: g.inChannels, n: pixels, k: k, alpha: 1, aPanels: weightPanels, aStride: 0,
                bPanels: gradientPanels, bStride: panelStride, beta: 0,
                GEMMOperand(inputGradient, offset: first * g.inChannels * pixels, leadingDimension: pixels, batchStride: g.inChannels * pixels),
                batch: images, bias: .none)
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
        let columnsPerImage = g.patchSize * g.outputPixels
        let chunk = try imagesPerChunk(g, floatsPerImage: columnsPerImage)
        let columns = try DeviceBuffer<Float>(context, count: columnsPerImage * chunk)
        for first in stride(from: 0, to: g.batch, by: chunk) {
            let images = min(chunk, g.batch - first)
            try context.launch(
                im2colKernel, global: [(g.outputPixels + 63) / 64, g.patchSize, images], local: [4, 1, 1],
                g.inChannels, g.height, g.width, g.kernelHeight, g.kernelWidth, g.stride, g.padTop, g.padLeft,
                g.outHeight, g.outWidth, input, first * g.inChannels * g.height * g.width, columns)
            WorkLedger.record(context, im2colKernel, bytes: floatBytes(images * (columnsPerImage + g.inChannels * g.height * g.width)))
            try context.launch(
                weightGradientKernel, global: [
                    (g.filters + Convolution.weightGradientBlock.filters - 1) / Convolution.weightGradientBlock.filters,
                    (g.patchSize + Convolution.weightGradientBlock.taps - 1) / Convolution.weightGradientBlock.taps,
                ], local: [1, 1],
                g.filters, g.patchSize, g.outputPixels, images, outputGradient, first * g.filters * g.outputPixels, columns,
                weightGradient, Float(first == 0 ? 0 : 1))
            WorkLedger.record(
                context, weightGradientKernel, flops: 2 * Double(g.filters) * Double(g.patchSize) * Double(g.outputPixels) * Double(images),
                bytes: floatBytes(images * (columnsPerImage + g.filters * g.outputPixels) + g.filters * g.patchSize))
        }
        if let biasGradient {
            try context.launch(
                biasGradientKernel, global: [g.filters], local: [1], g.batch, g.filters, g.outputPixels, outputGradient, biasGradient)
            WorkLedger.record(context, biasGradientKernel, bytes: floatBytes(g.batch * g.filters * g.outputPixels + g.filters))
        }
    }
}
