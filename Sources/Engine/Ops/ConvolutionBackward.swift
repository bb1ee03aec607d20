import OpenCLKit

/// Gradients of the convolution with respect to its input, weights and bias.
extension Convolution {
    /// Both gradients at once (the padded output gradient is made once and shared): writes
    /// `weightGradient` and `biasGradient` (when given) and `inputGradient` (when given;
    /// pass nil where nothing needs it, e.g. for a network's first layer). All are overwritten.
    public func backward(
        input: DeviceBuffer<Float>, outputGradient: DeviceBuffer<Float>, weight: DeviceBuffer<Float>,
        inputGradient: DeviceBuffer<Float>?, weightGradient: DeviceBuffer<Float>, biasGradient: DeviceBuffer<Float>?,
        geometry g: ConvGeometry
    ) throws {
        try require(input, g.inputShape, "input")
        try require(outputGradient, g.outputShape, "output gradient")
        try require(weight, g.weightShape, "weight")
        try require(weightGradient, g.weightShape, "weight gradient")
        if let inputGradient { try require(inputGradient, g.inputShape, "input gradient") }
        if let biasGradient { try require(biasGradient, [g.filters], "bias gradient") }
        recordProducts(g, input: inputGradient != nil, weights: true)
        if let winograd, winograd.supports(g) {  // opt-in, see WinogradOptIn
            return try winograd.backward(
                input: input, outputGradient: outputGradient, weight: weight, inputGradient: inputGradient,
                weightGradient: weightGradient, biasGradient: biasGradient, geometry: g)
        }
        var biasDone = false
        if g.stride == 1 && path != .im2col {
            biasDone = try backwardDirect(
                input: input, outputGradient: outputGradient, weight: weight, inputGradient: inputGradient,
                weightGradient: weightGradient, biasGradient: biasGradient, geometry: g)
        } else {
            try backwardWeightsIm2col(input: input, outputGradient: outputGradient, weightGradient: weightGradient, geometry: g)
            if let inputGradient {
                try backwardInputIm2col(outputGradient: outputGradient, weight: weight, inputGradient: inputGradient, geometry: g)
            }
        }
        if let biasGradient, !biasDone { try backwardBias(outputGradient: outputGradient, biasGradient: biasGradient, geometry: g) }
    }

    /// inputGradient = d(loss)/d(input) from outputGradient (overwritten, not accumulated).
    public func backwardInput(
        outputGradient: DeviceBuffer<Float>, weight: DeviceBuffer<Float>, inputGradient: DeviceBuffer<Float>, geometry g: ConvGeometry
    ) throws {
        try require(outputGradient, g.outputShape, "output gradient")
        try require(weight, g.weightShape, "weight")
        try require(inputGradient, g.inputShape, "input gradient")
        recordProducts(g, input: true, weights: false)
        if let winograd, winograd.supports(g) {  // opt-in, see WinogradOptIn
            return try winograd.backward(
                input: nil, outputGradient: outputGradient, weight: weight, inputGradient: inputGradient,
                weightGradient: nil, biasGradient: nil, geometry: g)
        }
        if g.stride == 1 && path != .im2col {
            try backwardDirect(
                input: nil, outputGradient: outputGradient, weight: weight, inputGradient: inputGradient, weightGradient: nil, geometry: g)
        } else {
            try backwardInputIm2col(outputGradient: outputGradient, weight: weight, inputGradient: inputGradient, geometry: g)
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
        recordProducts(g, input: false, weights: true)
        if let winograd, winograd.supports(g) {  // opt-in, see WinogradOptIn
            return try winograd.backward(
                input: input, outputGradient: outputGradient, weight: nil, inputGradient: nil,
                weightGradient: weightGradient, biasGradient: biasGradient, geometry: g)
        }
        var biasDone = false
        if g.stride == 1 && path != .im2col {
            biasDone = try backwardDirect(
                input: input, outputGradient: outputGradient, weight: nil, inputGradient: nil,
                weightGradient: weightGradient, biasGradient: biasGradient, geometry: g)
        } else {
            try backwardWeightsIm2col(input: input, outputGradient: outputGradient, weightGradient: weightGradient, geometry: g)
        }
        if let biasGradient, !biasDone { try backwardBias(outputGradient: outputGradient, biasGradient: biasGradient, geometry: g) }
    }

    /// Notes the backward products for a benchmark's ledger.
    private func recordProducts(_ g: ConvGeometry, input: Bool, weights: Bool) {
        if weights { WorkLedger.record(context, product: ConvolutionShapes.product(g, .backwardWeights), convolution: g, pass: .backwardWeights) }
        if input { WorkLedger.record(context, product: ConvolutionShapes.product(g, .backwardInput), convolution: g, pass: .backwardInput) }
    }

    /// db[f] = sum over images and pixels of dY, in a fixed order.
    private func backwardBias(outputGradient: DeviceBuffer<Float>, biasGradient: DeviceBuffer<Float>, geometry g: ConvGeometry) throws {
        try context.launch(
            biasGradientKernel, global: [g.filters], local: [1], g.batch, g.filters, g.outputPixels, outputGradient, biasGradient)
        WorkLedger.record(context, biasGradientKernel, bytes: floatBytes(g.batch * g.filters * g.outputPixels + g.filters))
    }

    /// Input gradient through the packed GEMM: for stride 1, the flipped convolution of dY
    /// packed by im2col_pack (tiny images, where direct tiles would be mostly empty); for
    /// larger strides, a GEMM into columns and a col2im gather.
    func backwardInputIm2col(
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
                GEMMOperand(columns, leadingDimension: g.outputPixels, batchStride: columnsPerImage), batch: images, bias: .none,
                tuning: tuning)
            try context.launch(
                col2imKernel, global: [g.width, g.height, images * g.inChannels], local: [16, 1, 1],
                g.inChannels, g.height, g.width, g.kernelHeight, g.kernelWidth, g.stride, g.padTop, g.padLeft,
                g.outHeight, g.outWidth, images, columns, inputGradient, first * imageSize)
            WorkLedger.record(context, col2imKernel, bytes: floatBytes(images * (columnsPerImage + imageSize)))
        }
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
        let weightPanels = try packWeights(weight, g, flipped: true, tile: tuning.tileRows)
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
                batch: images, bias: .none, tuning: tuning)
        }
    }

    /// The weight gradient as one GEMM per chunk of images, over all its pixels:
    /// dW (F x CKK) = dY (F x images*P) * colsᵀ (images*P x CKK), dY packed into panels and
    /// colsᵀ written as panels by im2col_pack_transposed; later chunks add to it (beta 1), so
    /// the sum runs in a fixed order. For larger strides, and for small images, where the
    /// direct kernel's rows are too short.
    func backwardWeightsIm2col(
        input: DeviceBuffer<Float>, outputGradient: DeviceBuffer<Float>, weightGradient: DeviceBuffer<Float>, geometry g: ConvGeometry
    ) throws {
        let pixels = g.outputPixels
        let tuning = gemm.tuning(for: TunedProduct(kernel: .gemm, m: g.filters, n: g.patchSize, k: pixels * g.batch))
        let paddedFilters = roundUp(g.filters, to: tuning.tileRows)
        let paddedTaps = roundUp(g.patchSize, to: tuning.tileColumns)
        let chunk = try imagesPerChunk(g, floatsPerImage: (paddedFilters + paddedTaps) * pixels)
        let gradientPanels = try DeviceBuffer<Float>(context, count: paddedFilters * pixels * chunk)
        let columnPanels = try DeviceBuffer<Float>(context, count: paddedTaps * pixels * chunk)
        for first in stride(from: 0, to: g.batch, by: chunk) {
            let images = min(chunk, g.batch - first)
            let k = images * pixels
            try context.launch(
                im2colPackTransposedKernel, global: [pixels, paddedTaps / tuning.tileColumns, images], local: [16, 1, 1],
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
