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
    let padPooled: Kernel
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
        let defines = ConvolutionResources.defines(tuning).merging(["KWIDTH": kernelWidth]) { $1 }
        pad = try context.kernel("conv.cl", "pad_planes", defines: defines)
        padPooled = try context.kernel("conv.cl", "pad_pooled_planes", defines: defines)
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

/// Stride-1 convolution straight on zero-padded copies of the planes: no im2col matrix (see
/// `Kernels/conv.cl`). Computes every pass it is given; the chooser sends it only the passes
/// where its tiles are mostly filled.
public final class DirectConvolution: RectifyingConvolutionAlgorithm {
    public let name = "direct"
    let resources: ConvolutionResources
    private var kernels: [DirectConvolutionKernels.Key: DirectConvolutionKernels] = [:]

    var context: ComputeContext { resources.context }
    var profile: DeviceProfile { resources.profile }

    /// Kernels are built on first use, per tile configuration and kernel width.
    public init(_ resources: ConvolutionResources) throws {
        self.resources = resources
    }

    /// Stride 1, any kernel size and padding.
    public func supports(_ geometry: ConvGeometry) -> Bool { DirectConvolution.descriptor.supports(geometry) }

    /// Most input channels whose weight gradient alone reads dY unpadded (`conv_weight_grad_rows`).
    static let rowsWeightGradientChannels = 4

    /// For `Convolution`: what `supports` answers, known without an instance.
    public static let descriptor = ConvolutionAlgorithmDescriptor(
        name: "direct", supports: { $0.stride == 1 }, make: { try DirectConvolution($0) })

    public func forward(
        input: DeviceBuffer<Float>, weight: DeviceBuffer<Float>, bias: DeviceBuffer<Float>?,
        output: DeviceBuffer<Float>, geometry g: ConvGeometry
    ) throws {
        try forward(input: input, weight: weight, bias: bias, output: output, geometry: g, rectify: false, prepared: nil)
    }

    /// The ReLU, when asked for, is applied in `conv_direct`'s store.
    public func forward(
        input: DeviceBuffer<Float>, weight: DeviceBuffer<Float>, bias: DeviceBuffer<Float>?,
        output: DeviceBuffer<Float>, geometry g: ConvGeometry, rectify: Bool, prepared: PreparedWeights?
    ) throws {
        try requireSupported(g)
        try resources.requireForward(input: input, weight: weight, bias: bias, output: output, g)
        try forwardDirect(input: input, weight: weight, bias: bias, output: output, geometry: g,
                          tuning: resources.directTuning(for: g, pass: .forward), rectify: rectify, prepared: prepared)
    }

    public func backward(
        input: DeviceBuffer<Float>?, outputGradient: DeviceBuffer<Float>, weight: DeviceBuffer<Float>?,
        inputGradient: DeviceBuffer<Float>?, weightGradient: DeviceBuffer<Float>?, biasGradient: DeviceBuffer<Float>?,
        geometry g: ConvGeometry
    ) throws {
        try requireSupported(g)
        try resources.requireBackward(
            input: input, outputGradient: outputGradient, weight: weight, inputGradient: inputGradient,
            weightGradient: weightGradient, biasGradient: biasGradient, g)
        var biasDone = false
        if inputGradient != nil || weightGradient != nil {
            biasDone = try backwardDirect(
                input: input, outputGradient: outputGradient, weight: weight, inputGradient: inputGradient,
                weightGradient: weightGradient, biasGradient: biasGradient, geometry: g)
        }
        if let biasGradient, !biasDone {
            try resources.backwardBias(outputGradient: outputGradient, biasGradient: biasGradient, geometry: g)
        }
    }

    private func requireSupported(_ g: ConvGeometry) throws {
        guard supports(g) else { throw EngineError.invalidConfiguration("the direct convolution runs stride 1 only, not \(g)") }
    }

    /// The direct kernels built for `tuning` and a kernel width (built once per pair).
    func directKernels(_ tuning: GEMMTuning, kernelWidth: Int) throws -> DirectConvolutionKernels {
        let key = DirectConvolutionKernels.Key(tuning: tuning, kernelWidth: kernelWidth)
        if let built = kernels[key] { return built }
        let built = try DirectConvolutionKernels(context, tuning: tuning, kernelWidth: kernelWidth)
        kernels[key] = built
        return built
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

    /// The forward pass on the max pooling of `input` by `pool` (whose output is `g`'s input),
    /// pooled as it is padded: no pass and no tensor for the pooling. ReLU and kept weights as
    /// in `forward`.
    public func forward(
        pooling pool: PoolGeometry, input: DeviceBuffer<Float>, weight: DeviceBuffer<Float>, bias: DeviceBuffer<Float>?,
        output: DeviceBuffer<Float>, geometry g: ConvGeometry, rectify: Bool, prepared: PreparedWeights?
    ) throws {
        try requireSupported(g)
        guard pool.outputShape == g.inputShape else {
            throw EngineError.shapeMismatch("the pooling gives \(pool.outputShape), but the convolution \(g) reads \(g.inputShape)")
        }
        try resources.require(input, pool.inputShape, "input before pooling")
        guard pool.inputShape.reduce(1, *) < Int(Int32.max) else {
            throw EngineError.invalidConfiguration("\(pool) is too large for the convolution kernels' 32-bit indexing; use a smaller batch or image")
        }
        try resources.require(weight, g.weightShape, "weight")
        try resources.require(output, g.outputShape, "output")
        if let bias { try resources.require(bias, [g.filters], "bias") }
        try forwardDirect(input: input, weight: weight, bias: bias, output: output, geometry: g,
                          tuning: resources.directTuning(for: g, pass: .forward), rectify: rectify, prepared: prepared, pool: pool)
    }

    /// Stride-1 forward: pad each chunk of images (pooling them first when `pool` is given), then `conv_direct`.
    func forwardDirect(
        input: DeviceBuffer<Float>, weight: DeviceBuffer<Float>, bias: DeviceBuffer<Float>?, output: DeviceBuffer<Float>,
        geometry g: ConvGeometry, tuning: GEMMTuning, rectify: Bool = false, prepared: PreparedWeights? = nil, pool: PoolGeometry? = nil
    ) throws {
        let kernels = try directKernels(tuning, kernelWidth: g.kernelWidth)
        let panels = try resources.forwardPanels(weight, g, tile: tuning.tileRows, prepared: prepared)
        let layout = DirectConvolution.forwardLayout(g, slack: DirectConvolution.slack(g, tuning))
        let chunk = try resources.imagesPerChunk(g, floatsPerImage: g.inChannels * layout.plane)
        let padded = try DeviceBuffer<Float>(context, count: g.inChannels * layout.plane * chunk)
        let imageSize = g.inChannels * g.height * g.width
        for first in stride(from: 0, to: g.batch, by: chunk) {
            let images = min(chunk, g.batch - first)
            if let pool {
                try padPooled(kernels, input, offset: first * g.inChannels * pool.height * pool.width, planes: images * g.inChannels,
                              pool: pool, layout: layout, into: padded)
            } else {
                try pad(kernels, input, offset: first * imageSize, planes: images * g.inChannels, height: g.height, width: g.width,
                        layout: layout, into: padded)
            }
            try runDirect(kernels, DirectConvolution.forwardProduct(g), padded: padded, layout: layout, panels: panels,
                          output: output, outputOffset: first * g.filters * g.outputPixels, bias: bias, images: images,
                          rectify: rectify)
        }
    }

    /// Stride-1 backward with padded planes shared by both gradients: pads dY once, then the
    /// weight gradient (when `weightGradient` is given) and the input gradient (when
    /// `inputGradient` is given, through `conv_direct`).
    /// Returns true when the direct weight-gradient kernels also wrote `biasGradient`.
    @discardableResult
    func backwardDirect(
        input: DeviceBuffer<Float>?, outputGradient: DeviceBuffer<Float>, weight: DeviceBuffer<Float>?,
        inputGradient: DeviceBuffer<Float>?, weightGradient: DeviceBuffer<Float>?, biasGradient: DeviceBuffer<Float>? = nil,
        geometry g: ConvGeometry
    ) throws -> Bool {
        let inputTuning = resources.directTuning(for: g, pass: .backwardInput)
        let weightsTuning = resources.directTuning(for: g, pass: .backwardWeights)
        let directInput = inputGradient != nil && weight != nil
        let weightGradient = input == nil ? nil : weightGradient
        guard directInput || weightGradient != nil else { return false }
        // A first layer's few input channels are cheap to pad, and its dY is read unpadded; a
        // deeper layer whose input gradient runs elsewhere (Winograd) still pads dY, as the rows
        // kernel walks short rows at about two thirds of the speed (pneumonet's 64 x 64 and
        // 32 x 32 layers, one profile with a training run sharing the cores).
        if !directInput, let weightGradient, let input, g.outWidth >= weightsTuning.vectorWidth,
           g.inChannels <= DirectConvolution.rowsWeightGradientChannels {
            try weightGradientFromRows(
                input: input, outputGradient: outputGradient, weightGradient: weightGradient, biasGradient: biasGradient,
                geometry: g, tuning: weightsTuning)
            return biasGradient != nil
        }
        // Both passes read dY's padded copy, so it has the slack either needs.
        let slack = DirectConvolution.slack(g, inputTuning, weightsTuning)
        let gradientLayout = DirectConvolution.gradientLayout(g, slack: slack)
        let inputLayout = DirectConvolution.weightGradientInputLayout(g, slack: slack)
        let gradientPerImage = g.filters * gradientLayout.plane
        let inputPerImage = weightGradient == nil ? 0 : g.inChannels * inputLayout.plane
        let weightCount = g.filters * g.patchSize
        let chunk = try resources.imagesPerChunk(g, floatsPerImage: gradientPerImage + inputPerImage + (weightGradient == nil ? 0 : weightCount))
        let paddedGradient = try DeviceBuffer<Float>(context, count: gradientPerImage * chunk)
        let inputKernels = try directKernels(inputTuning, kernelWidth: g.kernelWidth)
        let weightsKernels = try directKernels(weightsTuning, kernelWidth: g.kernelWidth)
        let panels = try weight.flatMap { directInput ? try resources.packWeights($0, g, flipped: true, tile: inputTuning.tileRows) : nil }
        var weightScratch: (padded: DeviceBuffer<Float>, partials: DeviceBuffer<Float>, bias: BiasSums?, imagesPerGroup: Int)?
        if weightGradient != nil {
            // Enough positions per work-item that its loop, not its launch, dominates.
            let imagesPerGroup = min(chunk, max(1, profile.weightGradientPositions / max(1, g.outHeight * gradientLayout.width)))
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
                try runDirect(inputKernels, DirectConvolution.backwardInputProduct(g), padded: paddedGradient, layout: gradientLayout,
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
        panels: DeviceBuffer<Float>, output: DeviceBuffer<Float>, outputOffset: Int, bias: DeviceBuffer<Float>?, images: Int,
        rectify: Bool = false
    ) throws {
        let tuning = kernels.tuning
        let positions = product.outHeight * layout.width
        try context.launch(
            kernels.forward,
            global: [(product.filters + tuning.tileRows - 1) / tuning.tileRows, (positions + tuning.tileColumns - 1) / tuning.tileColumns, images],
            local: [1, tuning.localSize, 1],
            product.channels, layout.plane, layout.width, product.kernelHeight, product.kernelWidth, product.filters,
            product.outHeight, product.outWidth, padded, panels, output, outputOffset, bias ?? output,
            Int32((bias == nil ? 0 : 1) | (rectify ? 2 : 0)))
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
        let block = ConvolutionResources.weightGradientBlock
        let groups = (images + imagesPerGroup - 1) / imagesPerGroup
        let weightCount = g.filters * g.patchSize
        try context.launch(
            kernels.weightGradient,
            global: [(g.patchSize + block.taps - 1) / block.taps, (g.filters + block.filters - 1) / block.filters, groups],
            // CPUs want one work-item per group; GPUs want wide groups (padded, the kernel checks bounds).
            local: [profile.weightGradientGroupSize ?? kernels.tuning.localSize, 1, 1],
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
            kernels.reduce, global: [weightCount], local: [min(profile.partialSumGroupSize, context.device.maxWorkGroupSize)],
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
        let layout = DirectConvolution.weightGradientInputLayout(g, slack: DirectConvolution.slack(g, tuning))
        let inputPerImage = g.inChannels * layout.plane
        let weightCount = g.filters * g.patchSize
        let chunk = try resources.imagesPerChunk(g, floatsPerImage: inputPerImage + weightCount)
        // Enough positions per work-item that its loop, not its launch, dominates.
        let imagesPerGroup = min(chunk, max(1, profile.weightGradientPositions / max(1, g.outputPixels)))
        let groups = (chunk + imagesPerGroup - 1) / imagesPerGroup
        let padded = try DeviceBuffer<Float>(context, count: inputPerImage * chunk)
        let partials = try DeviceBuffer<Float>(context, count: weightCount * groups)
        let bias = try biasGradient.map { BiasSums(partials: try DeviceBuffer<Float>(context, count: g.filters * groups), gradient: $0) }
        let block = ConvolutionResources.weightGradientBlock
        for first in stride(from: 0, to: g.batch, by: chunk) {
            let images = min(chunk, g.batch - first)
            try pad(kernels, input, offset: first * g.inChannels * g.height * g.width, planes: images * g.inChannels,
                    height: g.height, width: g.width, layout: layout, into: padded)
            let launchedGroups = (images + imagesPerGroup - 1) / imagesPerGroup
            try context.launch(
                kernels.weightGradientRows,
                global: [(g.patchSize + block.taps - 1) / block.taps, (g.filters + block.filters - 1) / block.filters, launchedGroups],
                local: [profile.weightGradientGroupSize ?? tuning.localSize, 1, 1],
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

    /// Pools `planes` planes of `pool`'s input from `source` + `offset` into `layout`.
    private func padPooled(
        _ kernels: DirectConvolutionKernels, _ source: DeviceBuffer<Float>, offset: Int, planes: Int, pool: PoolGeometry,
        layout: PaddedPlanes, into padded: DeviceBuffer<Float>
    ) throws {
        let split = resources.rowSplit(planes * layout.rows)
        try context.launch(
            kernels.padPooled, global: [split.items], local: [split.local], pool.outHeight, pool.outWidth, layout.rows, layout.width,
            layout.plane, layout.top, layout.left, planes, split.perItem, pool.height, pool.width, pool.size, pool.stride, source, offset,
            padded)
        WorkLedger.record(context, kernels.padPooled, bytes: floatBytes(planes * (pool.height * pool.width + layout.rows * layout.width)))
    }

    /// Copies `planes` planes of `height` x `width` from `source` + `offset` into `layout`.
    private func pad(
        _ kernels: DirectConvolutionKernels, _ source: DeviceBuffer<Float>, offset: Int, planes: Int, height: Int, width: Int,
        layout: PaddedPlanes, into padded: DeviceBuffer<Float>
    ) throws {
        let split = resources.rowSplit(planes * layout.rows)
        try context.launch(
            kernels.pad, global: [split.items], local: [split.local], height, width, layout.rows, layout.width, layout.plane,
            layout.top, layout.left, planes, split.perItem, source, offset, padded)
        WorkLedger.record(context, kernels.pad, bytes: floatBytes(planes * (height * width + layout.rows * layout.width)))
    }
}
