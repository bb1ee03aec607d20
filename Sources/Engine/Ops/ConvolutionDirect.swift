import OpenCLKit

/// Zero-padded copies of NCHW planes for the direct (stride 1) kernels: the image sits at
/// (`top`, `left`) in planes of `rows` x `width`. The rows below the image include enough
/// zero rows that a tile's last vector loads stay inside its plane and read zeros there.
struct PaddedPlanes: Equatable {
    let rows: Int
    let width: Int
    let top: Int
    let left: Int

    /// Planes `width` wide holding `height` x `imageWidth` images at (`top`, `left`), with
    /// `outputRows` rows of outputs (flat positions `outputRows * width`) read by taps up to
    /// `kernelHeight - 1` rows down and with `slack` more floats after the last position.
    init(width: Int, top: Int, left: Int, outputRows: Int, kernelHeight: Int, slack: Int) {
        self.width = width
        self.top = top
        self.left = left
        rows = outputRows + kernelHeight - 1 + (slack + width - 1) / width
        plane = PaddedPlanes.spread(rows * width)
    }

    /// Floats from one plane to the next.
    let plane: Int

    /// A plane stride at least `minimum` whose distance in 64-byte lines, modulo the 64 sets
    /// of a typical L1 cache, is odd: neighbouring planes then start in different sets instead
    /// of piling onto a few (strides near a multiple of 4 KiB thrash the cache).
    static func spread(_ minimum: Int) -> Int {
        var lines = (minimum + 15) / 16
        while lines % 2 == 0 || lines % 64 < 5 || lines % 64 > 59 { lines += 1 }
        return lines * 16
    }
}

/// The kernels of `conv.cl` built for one tile configuration and kernel width.
final class DirectConvolutionKernels {
    let tuning: GEMMTuning
    let pad: Kernel
    let forward: Kernel
    let weightGradient: Kernel
    let weightGradientRows: Kernel
    let reduce: Kernel

    /// Which builds exist: one per tile configuration and kernel width.
    struct Key: Hashable {
        let tuning: GEMMTuning
        let kernelWidth: Int
    }

    /// The width is built in (KWIDTH) so the tap loop unrolls.
    init(_ context: ComputeContext, tuning: GEMMTuning, kernelWidth: Int) throws {
        self.tuning = tuning
        let defines = Convolution.defines(tuning).merging(["KWIDTH": kernelWidth]) { $1 }
        pad = try context.kernel("conv.cl", "pad_planes", defines: defines)
        forward = try context.kernel("conv.cl", "conv_direct", defines: defines)
        weightGradient = try context.kernel("conv.cl", "conv_weight_grad_direct", defines: defines)
        weightGradientRows = try context.kernel("conv.cl", "conv_weight_grad_rows", defines: defines)
        reduce = try context.kernel("conv.cl", "reduce_partials", defines: defines)
    }
}

/// The convolution-shaped product `conv_direct` computes: `channels` planes in, `filters`
/// planes of `outHeight` x `outWidth` out, taps `kernelHeight` x `kernelWidth`.
struct DirectProduct {
    let channels: Int
    let filters: Int
    let outHeight: Int
    let outWidth: Int
    let kernelHeight: Int
    let kernelWidth: Int

    /// Padded width: every output row plus the taps to its right.
    var width: Int { outWidth + kernelWidth - 1 }

    /// Share of the computed positions that are real outputs; the rest (columns past the
    /// output, the last tile's tail) is work thrown away.
    func utilization(tileColumns: Int) -> Double {
        let positions = outHeight * width
        return Double(outHeight * outWidth) / Double(roundUp(positions, to: tileColumns))
    }
}

extension Convolution {
    /// Below this share of useful positions per tile, the im2col + GEMM path is faster.
    static let directUtilizationLimit = 0.75

    /// True when `pass` of `g` runs on the direct kernels (else im2col + GEMM, or for the
    /// weight gradient the im2col dot products).
    public func runsDirect(_ g: ConvGeometry, _ pass: ConvolutionPass) -> Bool {
        switch pass {
        case .forward: return useDirect(g, Convolution.forwardProduct(g), tuning(for: g, pass: .forward))
        case .backwardInput: return useDirect(g, Convolution.backwardInputProduct(g), tuning(for: g, pass: .backwardInput))
        case .backwardWeights: return useDirectWeightGradient(g)
        }
    }

    /// Output planes at least this large take the direct weight-gradient kernel; smaller
    /// ones give its work-items too little to do per launch and row, and go through a GEMM.
    /// Measured on pneumonet's backward (2 cores, PoCL): at 16 x 16 the direct kernel takes
    /// 10–12% of the step against 16% for im2col + GEMM; at 8 x 8 it loses (17% against 12%).
    static let directWeightGradientPixels = 200

    func useDirectWeightGradient(_ g: ConvGeometry) -> Bool {
        guard g.stride == 1 else { return false }
        switch path {
        case .automatic: return g.outputPixels >= Convolution.directWeightGradientPixels
        case .direct: return true
        case .im2col: return false
        }
    }

    /// Stride 1 and tiles mostly filled with real outputs.
    func useDirect(_ g: ConvGeometry, _ product: DirectProduct, _ tuning: GEMMTuning) -> Bool {
        guard g.stride == 1 else { return false }
        switch path {
        case .automatic: return product.utilization(tileColumns: tuning.tileColumns) >= Convolution.directUtilizationLimit
        case .direct: return true
        case .im2col: return false
        }
    }

    static func forwardProduct(_ g: ConvGeometry) -> DirectProduct {
        DirectProduct(channels: g.inChannels, filters: g.filters, outHeight: g.outHeight, outWidth: g.outWidth,
                      kernelHeight: g.kernelHeight, kernelWidth: g.kernelWidth)
    }

    /// Backward to the input as a convolution of dY: C planes of H x W out of F planes.
    static func backwardInputProduct(_ g: ConvGeometry) -> DirectProduct {
        DirectProduct(channels: g.filters, filters: g.inChannels, outHeight: g.height, outWidth: g.width,
                      kernelHeight: g.kernelHeight, kernelWidth: g.kernelWidth)
    }

    /// Floats after a plane's last position that loads of `tunings` may reach: a tile or a
    /// vector past the last position, plus the taps to its right.
    static func slack(_ g: ConvGeometry, _ tunings: GEMMTuning...) -> Int {
        tunings.map { max($0.tileColumns, $0.vectorWidth) }.max().map { $0 + g.kernelWidth } ?? g.kernelWidth
    }

    /// Where the padded input of the forward pass keeps the image.
    static func forwardLayout(_ g: ConvGeometry, slack: Int) -> PaddedPlanes {
        PaddedPlanes(width: forwardProduct(g).width, top: g.padTop, left: g.padLeft, outputRows: g.outHeight,
                     kernelHeight: g.kernelHeight, slack: slack)
    }

    /// Where the padded output gradient keeps dY: padded by (KH-1-padTop, KW-1-padLeft) for
    /// backward to the input; the weight gradient reads it at the same place.
    static func gradientLayout(_ g: ConvGeometry, slack: Int) -> PaddedPlanes {
        PaddedPlanes(width: backwardInputProduct(g).width, top: g.kernelHeight - 1 - g.padTop, left: g.kernelWidth - 1 - g.padLeft,
                     outputRows: g.height, kernelHeight: g.kernelHeight, slack: slack)
    }

    /// The padded input for the weight gradient: as wide as the gradient's planes, so one
    /// flat index walks both.
    static func weightGradientInputLayout(_ g: ConvGeometry, slack: Int) -> PaddedPlanes {
        PaddedPlanes(width: backwardInputProduct(g).width, top: g.padTop, left: g.padLeft, outputRows: g.outHeight,
                     kernelHeight: g.kernelHeight, slack: slack)
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

    /// Stride-1 forward: pad each chunk of images, then `conv_direct`.
    func forwardDirect(
        input: DeviceBuffer<Float>, weight: DeviceBuffer<Float>, bias: DeviceBuffer<Float>?, output: DeviceBuffer<Float>,
        geometry g: ConvGeometry, tuning: GEMMTuning
    ) throws {
        let kernels = try directKernels(tuning, kernelWidth: g.kernelWidth)
        let panels = try packWeights(weight, g, flipped: false, tile: tuning.tileRows)
        let layout = Convolution.forwardLayout(g, slack: Convolution.slack(g, tuning))
        let chunk = try imagesPerChunk(g, floatsPerImage: g.inChannels * layout.plane)
        let padded = try DeviceBuffer<Float>(context, count: g.inChannels * layout.plane * chunk)
        let imageSize = g.inChannels * g.height * g.width
        for first in stride(from: 0, to: g.batch, by: chunk) {
            let images = min(chunk, g.batch - first)
            try pad(kernels, input, offset: first * imageSize, planes: images * g.inChannels, height: g.height, width: g.width,
                    layout: layout, into: padded)
            try runDirect(kernels, Convolution.forwardProduct(g), padded: padded, layout: layout, panels: panels,
                          output: output, outputOffset: first * g.filters * g.outputPixels, bias: bias, images: images)
        }
    }

    /// Stride-1 backward with padded planes shared by both gradients: pads dY once, then the
    /// weight gradient (when `weightGradient` is given) and the input gradient (when
    /// `inputGradient` is given, through `conv_direct` or, for tiny images, im2col + GEMM).
    /// Returns true when the direct weight-gradient kernels also wrote `biasGradient`.
    @discardableResult
    func backwardDirect(
        input: DeviceBuffer<Float>?, outputGradient: DeviceBuffer<Float>, weight: DeviceBuffer<Float>?,
        inputGradient: DeviceBuffer<Float>?, weightGradient: DeviceBuffer<Float>?, biasGradient: DeviceBuffer<Float>? = nil,
        geometry g: ConvGeometry
    ) throws -> Bool {
        let inputTuning = tuning(for: g, pass: .backwardInput)
        let weightsTuning = tuning(for: g, pass: .backwardWeights)
        let directInput = inputGradient != nil && useDirect(g, Convolution.backwardInputProduct(g), inputTuning)
        if let inputGradient, let weight, !directInput {
            try backwardInputIm2col(outputGradient: outputGradient, weight: weight, inputGradient: inputGradient, geometry: g)
        }
        var weightGradient = weightGradient
        if let gradient = weightGradient, let input, !useDirectWeightGradient(g) {
            try backwardWeightsIm2col(input: input, outputGradient: outputGradient, weightGradient: gradient, geometry: g)
            weightGradient = nil
        }
        guard directInput || weightGradient != nil else { return false }
        if !directInput, let weightGradient, let input, g.outWidth >= weightsTuning.vectorWidth {
            try weightGradientFromRows(
                input: input, outputGradient: outputGradient, weightGradient: weightGradient, biasGradient: biasGradient,
                geometry: g, tuning: weightsTuning)
            return biasGradient != nil
        }
        // Both passes read dY's padded copy, so it has the slack either needs.
        let slack = Convolution.slack(g, inputTuning, weightsTuning)
        let gradientLayout = Convolution.gradientLayout(g, slack: slack)
        let inputLayout = Convolution.weightGradientInputLayout(g, slack: slack)
        let gradientPerImage = g.filters * gradientLayout.plane
        let inputPerImage = weightGradient == nil ? 0 : g.inChannels * inputLayout.plane
        let weightCount = g.filters * g.patchSize
        let chunk = try imagesPerChunk(g, floatsPerImage: gradientPerImage + inputPerImage + (weightGradient == nil ? 0 : weightCount))
        let paddedGradient = try DeviceBuffer<Float>(context, count: gradientPerImage * chunk)
        let inputKernels = try directKernels(inputTuning, kernelWidth: g.kernelWidth)
        let weightsKernels = try directKernels(weightsTuning, kernelWidth: g.kernelWidth)
        let panels = try weight.flatMap { directInput ? try packWeights($0, g, flipped: true, tile: inputTuning.tileRows) : nil }
        var weightScratch: (padded: DeviceBuffer<Float>, partials: DeviceBuffer<Float>, bias: BiasSums?, imagesPerGroup: Int)?
        if weightGradient != nil {
            // Enough positions per work-item that its loop, not its launch, dominates.
            let imagesPerGroup = min(chunk, max(1, 4096 / max(1, g.outHeight * gradientLayout.width)))
            let groups = (chunk + imagesPerGroup - 1) / imagesPerGroup
            weightScratch = (try DeviceBuffer<Float>(context, count: inputPerImage * chunk),
                             try DeviceBuffer<Float>(context, count: weightCount * groups),
                             try biasGradient.map { BiasSums(partials: try DeviceBuffer<Float>(context, count: g.filters * groups), gradient: $0) },
                             imagesPerGroup)
        }
        for first in stride(from: 0, to: g.batch, by: chunk) {
            let images = min(chunk, g.batch - first)
            try pad(inputKernels, outputGradient, offset: first * g.filters * g.outputPixels, planes: images * g.filters,
                    height: g.outHeight, width: g.outWidth, layout: gradientLayout, into: paddedGradient)
            if let weightGradient, let input, let scratch = weightScratch {
                try pad(weightsKernels, input, offset: first * g.inChannels * g.height * g.width, planes: images * g.inChannels,
                        height: g.height, width: g.width, layout: inputLayout, into: scratch.padded)
                try weightGradientDirect(
                    weightsKernels, g, paddedGradient: paddedGradient, gradientLayout: gradientLayout, paddedInput: scratch.padded,
                    inputLayout: inputLayout, images: images, imagesPerGroup: scratch.imagesPerGroup, partials: scratch.partials,
                    into: weightGradient, bias: scratch.bias, accumulate: first > 0)
            }
            if directInput, let inputGradient, let panels {
                try runDirect(inputKernels, Convolution.backwardInputProduct(g), padded: paddedGradient, layout: gradientLayout,
                              panels: panels, output: inputGradient, outputOffset: first * g.inChannels * g.height * g.width,
                              bias: nil, images: images)
            }
        }
        return weightScratch?.bias != nil
    }

    /// Where the weight-gradient kernels put their per-group sums of dY, and the bias
    /// gradient those sums add up to.
    struct BiasSums {
        let partials: DeviceBuffer<Float>
        let gradient: DeviceBuffer<Float>
    }

    /// `conv_direct` over `images` images of padded planes.
    private func runDirect(
        _ kernels: DirectConvolutionKernels, _ product: DirectProduct, padded: DeviceBuffer<Float>, layout: PaddedPlanes,
        panels: DeviceBuffer<Float>, output: DeviceBuffer<Float>, outputOffset: Int, bias: DeviceBuffer<Float>?, images: Int
    ) throws {
        let tuning = kernels.tuning
        let positions = product.outHeight * layout.width
        try context.launch(
            kernels.forward,
            global: [(product.filters + tuning.tileRows - 1) / tuning.tileRows, (positions + tuning.tileColumns - 1) / tuning.tileColumns, images],
            local: [1, tuning.localSize, 1],
            product.channels, layout.plane, layout.width, product.kernelHeight, product.kernelWidth, product.filters,
            product.outHeight, product.outWidth, padded, panels, output, outputOffset, bias ?? output, Int32(bias == nil ? 0 : 1))
        let taps = product.kernelHeight * product.kernelWidth
        WorkLedger.record(
            context, kernels.forward,
            flops: 2 * Double(product.filters) * Double(product.outHeight * product.outWidth) * Double(product.channels * taps) * Double(images),
            bytes: floatBytes(images * (product.channels * layout.plane + product.filters * product.outHeight * product.outWidth)))
    }

    /// Partial weight gradients per group of images, then their sum in order into `weightGradient`;
    /// likewise the bias gradient, when `bias` is given.
    private func weightGradientDirect(
        _ kernels: DirectConvolutionKernels, _ g: ConvGeometry, paddedGradient: DeviceBuffer<Float>, gradientLayout: PaddedPlanes,
        paddedInput: DeviceBuffer<Float>, inputLayout: PaddedPlanes, images: Int, imagesPerGroup: Int,
        partials: DeviceBuffer<Float>, into weightGradient: DeviceBuffer<Float>, bias: BiasSums?, accumulate: Bool
    ) throws {
        let block = Convolution.weightGradientBlock
        let groups = (images + imagesPerGroup - 1) / imagesPerGroup
        let weightCount = g.filters * g.patchSize
        try context.launch(
            kernels.weightGradient,
            global: [(g.patchSize + block.taps - 1) / block.taps, (g.filters + block.filters - 1) / block.filters, groups],
            // CPUs want one work-item per group; GPUs want wide groups (padded, the kernel checks bounds).
            local: [context.device.kind == .cpu ? 1 : kernels.tuning.localSize, 1, 1],
            g.inChannels, g.kernelHeight, g.kernelWidth, g.filters, g.outHeight, gradientLayout.width,
            paddedGradient, gradientLayout.plane, gradientLayout.top * gradientLayout.width + gradientLayout.left,
            paddedInput, inputLayout.plane, images, imagesPerGroup, partials, bias?.partials ?? partials, Int32(bias == nil ? 0 : 1))
        WorkLedger.record(
            context, kernels.weightGradient,
            flops: 2 * Double(g.filters) * Double(g.patchSize) * Double(g.outputPixels) * Double(images),
            bytes: floatBytes(images * (g.filters * gradientLayout.plane + g.inChannels * inputLayout.plane) + groups * weightCount))
        try reduce(kernels, groups: groups, weightCount: weightCount, partials: partials, into: weightGradient, accumulate: accumulate)
        if let bias {
            try reduce(kernels, groups: groups, weightCount: g.filters, partials: bias.partials, into: bias.gradient, accumulate: accumulate)
        }
    }

    /// Adds the groups' partial weight gradients in order into `weightGradient` (or onto it).
    private func reduce(
        _ kernels: DirectConvolutionKernels, groups: Int, weightCount: Int, partials: DeviceBuffer<Float>,
        into weightGradient: DeviceBuffer<Float>, accumulate: Bool
    ) throws {
        try context.launch(
            kernels.reduce, global: [weightCount], local: [min(64, context.device.maxWorkGroupSize)],
            groups, weightCount, partials, weightGradient, Float(accumulate ? 1 : 0))
        WorkLedger.record(context, kernels.reduce, bytes: floatBytes((groups + (accumulate ? 2 : 1)) * weightCount))
    }

    /// The weight gradient alone (a first layer's): `conv_weight_grad_rows` reads dY as it is,
    /// so only the input, usually a few channels, is padded.
    private func weightGradientFromRows(
        input: DeviceBuffer<Float>, outputGradient: DeviceBuffer<Float>, weightGradient: DeviceBuffer<Float>,
        biasGradient: DeviceBuffer<Float>?, geometry g: ConvGeometry, tuning: GEMMTuning
    ) throws {
        let kernels = try directKernels(tuning, kernelWidth: g.kernelWidth)
        let layout = Convolution.weightGradientInputLayout(g, slack: Convolution.slack(g, tuning))
        let inputPerImage = g.inChannels * layout.plane
        let weightCount = g.filters * g.patchSize
        let chunk = try imagesPerChunk(g, floatsPerImage: inputPerImage + weightCount)
        // Enough positions per work-item that its loop, not its launch, dominates.
        let imagesPerGroup = min(chunk, max(1, 4096 / max(1, g.outputPixels)))
        let groups = (chunk + imagesPerGroup - 1) / imagesPerGroup
        let padded = try DeviceBuffer<Float>(context, count: inputPerImage * chunk)
        let partials = try DeviceBuffer<Float>(context, count: weightCount * groups)
        let bias = try biasGradient.map { BiasSums(partials: try DeviceBuffer<Float>(context, count: g.filters * groups), gradient: $0) }
        let block = Convolution.weightGradientBlock
        for first in stride(from: 0, to: g.batch, by: chunk) {
            let images = min(chunk, g.batch - first)
            try pad(kernels, input, offset: first * g.inChannels * g.height * g.width, planes: images * g.inChannels,
                    height: g.height, width: g.width, layout: layout, into: padded)
            let launchedGroups = (images + imagesPerGroup - 1) / imagesPerGroup
            try context.launch(
                kernels.weightGradientRows,
                global: [(g.patchSize + block.taps - 1) / block.taps, (g.filters + block.filters - 1) / block.filters, launchedGroups],
                local: [context.device.kind == .cpu ? 1 : tuning.localSize, 1, 1],
                g.inChannels, g.kernelHeight, g.kernelWidth, g.filters, g.outHeight, g.outWidth, layout.width,
                outputGradient, first * g.filters * g.outputPixels, padded, layout.plane, images, imagesPerGroup, partials,
                bias?.partials ?? partials, Int32(bias == nil ? 0 : 1))
            WorkLedger.record(
                context, kernels.weightGradientRows,
                flops: 2 * Double(g.filters) * Double(g.patchSize) * Double(g.outputPixels) * Double(images),
                bytes: floatBytes(images * (g.filters * g.outputPixels + g.inChannels * layout.plane) + launchedGroups * weightCount))
            try reduce(kernels, groups: launchedGroups, weightCount: weightCount, partials: partials, into: weightGradient, accumulate: first > 0)
            if let bias {
                try reduce(kernels, groups: launchedGroups, weightCount: g.filters, partials: bias.partials, into: bias.gradient,
                           accumulate: first > 0)
            }
        }
    }

    /// Copies `planes` planes of `height` x `width` from `source` + `offset` into `layout`.
    private func pad(
        _ kernels: DirectConvolutionKernels, _ source: DeviceBuffer<Float>, offset: Int, planes: Int, height: Int, width: Int,
        layout: PaddedPlanes, into padded: DeviceBuffer<Float>
    ) throws {
        let split = rowSplit(planes * layout.rows)
        try context.launch(
            kernels.pad, global: [split.items], local: [split.local], height, width, layout.rows, layout.width, layout.plane,
            layout.top, layout.left, planes, split.perItem, source, offset, padded)
        WorkLedger.record(context, kernels.pad, bytes: floatBytes(planes * (height * width + layout.rows * layout.width)))
    }

    /// Rows per work-item for row-wise copies: about 16 items per compute unit on a CPU, one
    /// row per item in groups of 64 elsewhere.
    func rowSplit(_ rows: Int) -> (perItem: Int, items: Int, local: Int) {
        if context.device.kind == .cpu {
            let perItem = max(1, rows / (16 * max(1, context.device.computeUnits)))
            return (perItem, (rows + perItem - 1) / perItem, 1)
        }
        return (1, rows, min(64, context.device.maxWorkGroupSize))
    }
}
