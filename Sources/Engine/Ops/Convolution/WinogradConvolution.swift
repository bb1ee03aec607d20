import OpenCLKit

/// Winograd F(2x2, 3x3) for 3x3 stride-1 convolutions (`same` or `valid`): 2.25x fewer
/// multiplications than the direct convolution, at the price of slightly larger rounding errors.
/// Two ways to run it:
/// - fused (`fusesTransforms`, the CPU profile's choice): forward and input gradient in one
///   kernel that transforms each work-item's tiles into local scratch, multiplies and writes the
///   outputs (`Kernels/winograd_fused.cl`, `WinogradConvolution+Fused.swift`), for planes whose
///   tile rows suit its vectors;
/// - through memory (every other pass and shape): tile transforms in registers that write the
///   packed GEMM's panels, 16 batched GEMMs in the Winograd domain, and an output transform
///   (`Kernels/winograd.cl`), images in chunks so the scratch stays under `scratchLimitBytes`.
/// The weight gradient, a sum over every tile of the batch, always runs through memory.
public final class WinogradConvolution: RectifyingConvolutionAlgorithm {
    public let name = "winograd"
    public let context: ComputeContext
    public let gemm: GEMM
    let resources: ConvolutionResources
    /// Forward and input-gradient passes run fused where the planes allow (see the type's comment).
    public var fusesTransforms: Bool
    /// Upper bound on the Winograd-domain scratch of one chunk of images. 4 MiB chunks (to
    /// stay in cache) measured slower on PoCL: one-image GEMMs and more launches.
    public var scratchLimitBytes = 64 << 20
    /// The weight gradient's own, smaller bound: its tiles of dY and of the input are 1.5-3x
    /// the layer's tensors, and a training step's peak memory holds them. 8 MiB chunks kept
    /// pneumonet's peak within 5% of the direct kernels' (24 MiB more with 64 MiB chunks).
    public var weightGradientScratchBytes = 8 << 20
    /// Fewest input channels taken: below it the GEMMs' inner dimension is too short to pay
    /// for the transforms.
    public var minimumChannels = WinogradConvolution.defaultMinimumChannels
    /// `minimumChannels` of a new instance, and what the chooser's descriptor assumes.
    public static let defaultMinimumChannels = 8
    /// Points of the Winograd domain: one GEMM each.
    static let points = 16
    let inputTilesKernel: Kernel
    let filterTilesKernel: Kernel
    let outputTilesKernel: Kernel
    let gradientTilesKernel: Kernel
    let filterGradientKernel: Kernel
    let padKernel: Kernel
    let padPooledKernel: Kernel

    /// Builds the kernels; shares `gemm` (and its tuning) when given.
    public init(_ context: ComputeContext, gemm: GEMM? = nil) throws {
        self.context = context
        self.gemm = try gemm ?? GEMM(context)
        resources = try ConvolutionResources(context, gemm: self.gemm)
        fusesTransforms = resources.profile.fusedWinogradTransforms ?? false
        inputTilesKernel = try context.kernel("winograd.cl", "winograd_input_tiles")
        filterTilesKernel = try context.kernel("winograd.cl", "winograd_filter_tiles")
        outputTilesKernel = try context.kernel("winograd.cl", "winograd_output_tiles")
        gradientTilesKernel = try context.kernel("winograd.cl", "winograd_gradient_tiles")
        filterGradientKernel = try context.kernel("winograd.cl", "winograd_filter_gradient")
        padKernel = try context.kernel("conv.cl", "pad_planes", defines: ConvolutionResources.defines(self.gemm.tuning))
        padPooledKernel = try context.kernel("conv.cl", "pad_pooled_planes", defines: ConvolutionResources.defines(self.gemm.tuning))
    }

    public func supports(_ g: ConvGeometry) -> Bool { WinogradConvolution.supports(g, minimumChannels: minimumChannels) }

    /// 3x3 stride 1 with at least `minimumChannels` input channels.
    static func supports(_ g: ConvGeometry, minimumChannels: Int) -> Bool {
        g.kernelHeight == 3 && g.kernelWidth == 3 && g.stride == 1 && g.inChannels >= minimumChannels
    }

    /// For `Convolution`: the default channel minimum, built on the convolution's GEMM.
    public static let descriptor = ConvolutionAlgorithmDescriptor(
        name: "winograd", supports: { WinogradConvolution.supports($0, minimumChannels: WinogradConvolution.defaultMinimumChannels) },
        make: { try WinogradConvolution($0.context, gemm: $0.gemm) })

    public func forward(
        input: DeviceBuffer<Float>, weight: DeviceBuffer<Float>, bias: DeviceBuffer<Float>?,
        output: DeviceBuffer<Float>, geometry g: ConvGeometry
    ) throws {
        try forward(input: input, weight: weight, bias: bias, output: output, geometry: g, rectify: false, prepared: nil)
    }

    /// The ReLU, when asked for, is applied in the output transform's store; the filter tiles
    /// are kept in `prepared` when given.
    public func forward(
        input: DeviceBuffer<Float>, weight: DeviceBuffer<Float>, bias: DeviceBuffer<Float>?,
        output: DeviceBuffer<Float>, geometry g: ConvGeometry, rectify: Bool, prepared: PreparedWeights?
    ) throws {
        try requireSupported(g)
        try require(input, g.inputShape, "input")
        try require(weight, g.weightShape, "weight")
        try require(output, g.outputShape, "output")
        if let bias { try require(bias, [g.filters], "bias") }
        try convolve(
            WinogradPlane(channels: g.inChannels, height: g.height, width: g.width), source: input,
            padTop: g.padTop, padLeft: g.padLeft, weight: weight, flipped: false,
            into: WinogradPlane(channels: g.filters, height: g.outHeight, width: g.outWidth), destination: output,
            bias: bias, batch: g.batch, rectify: rectify, prepared: prepared)
    }

    public func backward(
        input: DeviceBuffer<Float>?, outputGradient: DeviceBuffer<Float>, weight: DeviceBuffer<Float>?,
        inputGradient: DeviceBuffer<Float>?, weightGradient: DeviceBuffer<Float>?, biasGradient: DeviceBuffer<Float>?,
        geometry g: ConvGeometry
    ) throws {
        try requireSupported(g)
        try require(outputGradient, g.outputShape, "output gradient")
        if let inputGradient {
            guard let weight else { throw EngineError.invalidConfiguration("the convolution's input gradient needs the weights") }
            try require(weight, g.weightShape, "weight")
            try require(inputGradient, g.inputShape, "input gradient")
            // dX is the convolution of dY with the filters flipped and transposed, dY padded
            // by 2 - padTop above and 2 - padLeft on the left.
            try convolve(
                WinogradPlane(channels: g.filters, height: g.outHeight, width: g.outWidth), source: outputGradient,
                padTop: 2 - g.padTop, padLeft: 2 - g.padLeft, weight: weight, flipped: true,
                into: WinogradPlane(channels: g.inChannels, height: g.height, width: g.width), destination: inputGradient,
                bias: nil, batch: g.batch)
        }
        if weightGradient != nil || biasGradient != nil {
            guard let input else { throw EngineError.invalidConfiguration("the convolution's weight and bias gradients need the input") }
            try require(input, g.inputShape, "input")
            if let weightGradient {
                try require(weightGradient, g.weightShape, "weight gradient")
                try backwardWeights(input: input, outputGradient: outputGradient, weightGradient: weightGradient, geometry: g)
            }
            if let biasGradient {
                try require(biasGradient, [g.filters], "bias gradient")
                try resources.backwardBias(outputGradient: outputGradient, biasGradient: biasGradient, geometry: g)
            }
        }
    }

    /// destination = conv3x3(source zero-padded by padTop/padLeft, filters) (+ bias, ReLU with
    /// `rectify`): fused where `fusesTransforms` and the shape allow, else through memory.
    func convolve(
        _ from: WinogradPlane, source: DeviceBuffer<Float>, padTop: Int, padLeft: Int,
        weight: DeviceBuffer<Float>, flipped: Bool, into to: WinogradPlane, destination: DeviceBuffer<Float>,
        bias: DeviceBuffer<Float>?, batch: Int, rectify: Bool = false, prepared: PreparedWeights? = nil
    ) throws {
        let fused = FusedWinogradShape(from: from, into: to, padTop: padTop, padLeft: padLeft)
        if fusesTransforms, fused.scratchBytes <= context.device.localMemory {
            try fusedConvolution(
                fused, source: source, weight: weight, flipped: flipped, destination: destination, bias: bias, batch: batch,
                rectify: rectify, prepared: prepared)
        } else {
            try transformedConvolution(
                from, source: source, padTop: padTop, padLeft: padLeft, weight: weight, flipped: flipped, into: to,
                destination: destination, bias: bias, batch: batch, rectify: rectify, prepared: prepared)
        }
    }

    /// destination = conv3x3(source zero-padded by padTop/padLeft, filters) (+ bias) for every
    /// image, through memory: U = transformed filters (`flipped`: taps flipped, channels swapped), V = input
    /// tiles, M[xi] = U[xi] V[xi] by the packed GEMM, then the output tiles (max(., 0) of them
    /// with `rectify`). U is kept in `prepared` when given, until `weight` is written.
    func transformedConvolution(
        _ from: WinogradPlane, source: DeviceBuffer<Float>, padTop: Int, padLeft: Int,
        weight: DeviceBuffer<Float>, flipped: Bool, into to: WinogradPlane, destination: DeviceBuffer<Float>,
        bias: DeviceBuffer<Float>?, batch: Int, rectify: Bool = false, prepared: PreparedWeights? = nil
    ) throws {
        let points = WinogradConvolution.points
        let tiles = to.tiles
        let tuning = gemm.tuning(for: TunedProduct(kernel: .gemm, m: to.channels, n: tiles.count * batch, k: from.channels, batch: points))
        let filterStride = gemm.packedCount(rows: to.channels, k: from.channels, tile: tuning.tileRows)
        let transformFilters: () throws -> DeviceBuffer<Float> = {
            let filters = try DeviceBuffer<Float>(self.context, count: filterStride * points)
            try self.context.launch(
                self.filterTilesKernel, global: [roundUp(to.channels, to: 16), from.channels], local: [16, 1],
                to.channels, from.channels, weight, Int32(flipped ? 1 : 0), filters, filterStride, tuning.tileRows)
            WorkLedger.record(self.context, self.filterTilesKernel, bytes: floatBytes((9 + points) * to.channels * from.channels))
            return filters
        }
        let key = PreparedWeights.Key(
            arrangement: "winograd filter tiles", layout: [tuning.tileRows, to.channels, from.channels, flipped ? 1 : 0])
        let filters = try prepared.map { try $0.buffer(key, from: weight, prepare: transformFilters) } ?? transformFilters()

        let perImage = points * tiles.count * (from.channels + to.channels)
        let chunk = try imagesPerChunk(batch: batch, floatsPerImage: perImage, planeFloats: max(from.count, to.count))
        let tileMatrices = try DeviceBuffer<Float>(context, count: points * gemm.packedCount(rows: tiles.count * chunk, k: from.channels, tile: tuning.tileColumns))
        let products = try DeviceBuffer<Float>(context, count: points * to.channels * tiles.count * chunk)
        for first in stride(from: 0, to: batch, by: chunk) {
            let images = min(chunk, batch - first)
            let columns = tiles.count * images
            let tileStride = gemm.packedCount(rows: columns, k: from.channels, tile: tuning.tileColumns)
            try context.launch(
                inputTilesKernel, global: [tiles.count, from.channels, images], local: [16, 1, 1],
                from.channels, from.height, from.width, padTop, padLeft, tiles.high, tiles.wide, images,
                source, first * from.count, tileMatrices, tileStride, Int32(1), tuning.tileColumns)
            WorkLedger.record(context, inputTilesKernel, bytes: floatBytes(images * from.count + points * tileStride))
            try gemm.multiplyPacked(
                m: to.channels, n: columns, k: from.channels, alpha: 1, aPanels: filters, aStride: filterStride,
                bPanels: tileMatrices, bStride: tileStride, beta: 0,
                GEMMOperand(products, leadingDimension: columns, batchStride: to.channels * columns),
                batch: points, bias: .none, tuning: tuning)
            try context.launch(
                outputTilesKernel, global: [tiles.count, to.channels, images], local: [16, 1, 1],
                to.channels, to.height, to.width, tiles.high, tiles.wide, images,
                products, to.channels * columns, bias ?? destination, Int32((bias == nil ? 0 : 1) | (rectify ? 2 : 0)),
                destination, first * to.count)
            WorkLedger.record(context, outputTilesKernel, bytes: floatBytes(points * to.channels * columns + images * to.count))
        }
    }

    /// How many images fit the scratch limit together (at least one); throws when a chunk
    /// would overflow the kernels' 32-bit indexing.
    func imagesPerChunk(batch: Int, floatsPerImage: Int, planeFloats: Int) throws -> Int {
        let limit = Int(Int32.max)
        guard floatsPerImage < limit, batch * planeFloats < limit else {
            throw EngineError.invalidConfiguration("a Winograd convolution of \(batch) images of \(planeFloats) floats is too large for 32-bit indexing; use a smaller batch or image")
        }
        let fit = max(1, scratchLimitBytes / (4 * max(floatsPerImage, 1)))
        return min(batch, fit, max(1, limit / floatsPerImage))
    }

    private func requireSupported(_ g: ConvGeometry) throws {
        guard g.kernelHeight == 3, g.kernelWidth == 3, g.stride == 1 else {
            throw EngineError.invalidConfiguration("Winograd F(2x2, 3x3) computes 3x3 stride-1 convolutions, not \(g)")
        }
    }

    private func require(_ buffer: DeviceBuffer<Float>, _ shape: [Int], _ name: String) throws {
        let needed = shape.reduce(1, *)
        guard buffer.count >= needed else {
            throw EngineError.shapeMismatch("convolution \(name) needs \(needed) floats for shape \(shape), buffer holds \(buffer.count)")
        }
    }
}

/// One image's planes as the Winograd kernels see them, and its 2x2 output tiles.
struct WinogradPlane {
    let channels: Int
    let height: Int
    let width: Int
    /// Floats per image.
    var count: Int { channels * height * width }
    /// 2x2 tiles covering one plane (the last row and column may be partial).
    var tiles: (high: Int, wide: Int, count: Int) {
        let high = (height + 1) / 2, wide = (width + 1) / 2
        return (high, wide, high * wide)
    }
}
