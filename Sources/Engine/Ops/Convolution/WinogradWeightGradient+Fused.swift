import OpenCLKit

extension WinogradConvolution {
    /// Local memory of one work-item of `winograd_fused_weight_grad`: the transposed input
    /// tiles, the gradient tiles and the work-item's sums, for 16 tiles at a time.
    static func fusedWeightGradientBytes(channels: Int, filters: Int) -> Int {
        4 * 16 * (16 * channels + 16 * filters + filters * channels)
    }

    /// Whether `winograd_fused_weight_grad` takes `g`: input channels in sixteens and sums
    /// within `localMemory` bytes.
    static func runsWeightGradientFused(_ g: ConvGeometry, localMemory: Int) -> Bool {
        g.inChannels % 16 == 0 && fusedWeightGradientBytes(channels: g.inChannels, filters: g.filters) <= localMemory
    }

    /// The weight gradient with every transform fused (`winograd_fused_weight_grad`): dY and
    /// the input padded onto the kernel's grid, each work-item's share of the tiles summed in
    /// the Winograd domain in local memory, the shares added in order (`reduce_partials`, which
    /// also adds later chunks of images onto earlier ones), then dW = Gt dU G. False, with
    /// nothing run, where the fused kernel does not take the layer (fused transforms off,
    /// input channels not a multiple of 16, or sums too large for local memory).
    func fusedBackwardWeights(
        input: DeviceBuffer<Float>, outputGradient: DeviceBuffer<Float>, weightGradient: DeviceBuffer<Float>, geometry g: ConvGeometry
    ) throws -> Bool {
        guard fusesTransforms, WinogradConvolution.runsWeightGradientFused(g, localMemory: context.device.localMemory),
              let shape = WinogradConvolution.fusedShape(g, .forward)
        else { return false }
        let gradientLayout = PaddedPlanes(width: 2 * shape.gridWide + 2, top: 0, left: 0, outputRows: 2 * shape.tileRows, kernelHeight: 1, slack: 0)
        let defines = shape.defines.merging(
            ["GRAD_WIDTH": gradientLayout.width, "GRAD_PLANE": gradientLayout.plane, "GROUPS_PER_IMAGE": shape.groupsPerImage]) { $1 }
        let kernel = try context.kernel("winograd_fused.cl", "winograd_fused_weight_grad", defines: defines)
        let inputLayout = shape.padded
        let perImage = g.inChannels * inputLayout.plane + g.filters * gradientLayout.plane
        let chunk = try imagesPerChunk(batch: g.batch, floatsPerImage: perImage, planeFloats: max(shape.inputFloats, shape.outputFloats))
        let paddedInput = try DeviceBuffer<Float>(context, count: g.inChannels * inputLayout.plane * chunk)
        let paddedGradient = try DeviceBuffer<Float>(context, count: g.filters * gradientLayout.plane * chunk)
        let sumCount = WinogradConvolution.points * g.filters * g.inChannels
        let items = min(chunk * shape.groupsPerImage, 4 * max(1, context.device.computeUnits))
        let partials = try DeviceBuffer<Float>(context, count: sumCount * items)
        let sums = try DeviceBuffer<Float>(context, count: sumCount)
        let reduce = try context.kernel("conv.cl", "reduce_partials", defines: ConvolutionResources.defines(gemm.tuning))
        for first in stride(from: 0, to: g.batch, by: chunk) {
            let images = min(chunk, g.batch - first)
            try pad(input, offset: first * shape.inputFloats, planes: images * g.inChannels, height: g.height, width: g.width,
                    layout: inputLayout, into: paddedInput)
            try pad(outputGradient, offset: first * shape.outputFloats, planes: images * g.filters, height: g.outHeight, width: g.outWidth,
                    layout: gradientLayout, into: paddedGradient)
            let vectors = images * shape.groupsPerImage
            let launched = min(items, vectors)
            let perItem = (vectors + launched - 1) / launched
            let used = (vectors + perItem - 1) / perItem
            try context.launch(kernel, global: [used], local: [1], paddedInput, paddedGradient, vectors, perItem, partials)
            WorkLedger.record(
                context, kernel, flops: 2 * 16 * Double(g.filters * g.inChannels * shape.gridWide * shape.tilesHigh * images),
                bytes: floatBytes(images * perImage + used * sumCount))
            try context.launch(
                reduce, global: [sumCount], local: [min(resources.profile.partialSumGroupSize, context.device.maxWorkGroupSize)],
                used, sumCount, partials, sums, Float(first > 0 ? 1 : 0))
            WorkLedger.record(context, reduce, bytes: floatBytes((used + (first > 0 ? 2 : 1)) * sumCount))
        }
        try context.launch(
            filterGradientKernel, global: [g.filters, g.inChannels], local: [1, 1], g.filters, g.inChannels, sums, weightGradient)
        WorkLedger.record(context, filterGradientKernel, bytes: floatBytes((WinogradConvolution.points + 9) * g.filters * g.inChannels))
        return true
    }
}
