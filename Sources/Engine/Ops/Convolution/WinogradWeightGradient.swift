import OpenCLKit

extension WinogradConvolution {
    /// dW = Gt dU G with dU[xi] = S[xi] V[xi]^T summed over every tile of the batch, where
    /// S = A dY At are the output-gradient tiles and V = Bt d B the forward's input tiles: fused
    /// where it can (`fusedBackwardWeights`), else one GEMM per Winograd point whose inner
    /// dimension is the tiles of a chunk of images. Later chunks add to dU (beta 1), so the sum
    /// runs in a fixed order.
    func backwardWeights(
        input: DeviceBuffer<Float>, outputGradient: DeviceBuffer<Float>, weightGradient: DeviceBuffer<Float>, geometry g: ConvGeometry
    ) throws {
        if try fusedBackwardWeights(input: input, outputGradient: outputGradient, weightGradient: weightGradient, geometry: g) { return }
        let points = WinogradConvolution.points
        let from = WinogradPlane(channels: g.inChannels, height: g.height, width: g.width)
        let to = WinogradPlane(channels: g.filters, height: g.outHeight, width: g.outWidth)
        let tiles = to.tiles
        let tuning = WinogradConvolution.fitted(
            gemm.tuning(for: TunedProduct(kernel: .gemm, m: g.filters, n: g.inChannels, k: tiles.count * g.batch, batch: points)),
            columns: g.inChannels)
        let paddedFilters = roundUp(g.filters, to: tuning.tileRows)
        let paddedChannels = roundUp(g.inChannels, to: tuning.tileColumns)
        let perImage = points * tiles.count * (paddedFilters + paddedChannels)
        let chunk = min(
            try imagesPerChunk(batch: g.batch, floatsPerImage: perImage, planeFloats: max(from.count, to.count)),
            max(1, weightGradientScratchBytes / (4 * perImage)))
        let gradientTiles = try DeviceBuffer<Float>(context, count: points * paddedFilters * tiles.count * chunk)
        let inputTiles = try DeviceBuffer<Float>(context, count: points * paddedChannels * tiles.count * chunk)
        let sums = try DeviceBuffer<Float>(context, count: points * g.filters * g.inChannels)
        for first in stride(from: 0, to: g.batch, by: chunk) {
            let images = min(chunk, g.batch - first)
            let k = tiles.count * images
            let gradientStride = gemm.packedCount(rows: g.filters, k: k, tile: tuning.tileRows)
            let inputStride = gemm.packedCount(rows: g.inChannels, k: k, tile: tuning.tileColumns)
            try context.launch(
                gradientTilesKernel, global: [g.filters, tiles.count, images], local: [16, 1, 1],
                g.filters, g.outHeight, g.outWidth, tiles.high, tiles.wide, images,
                outputGradient, first * to.count, gradientTiles, gradientStride, tuning.tileRows)
            WorkLedger.record(context, gradientTilesKernel, bytes: floatBytes(images * to.count + points * gradientStride))
            try context.launch(
                inputTilesKernel, global: [g.inChannels, tiles.count, images], local: [16, 1, 1],
                g.inChannels, g.height, g.width, g.padTop, g.padLeft, tiles.high, tiles.wide, images,
                input, first * from.count, inputTiles, inputStride, Int32(0), tuning.tileColumns)
            WorkLedger.record(context, inputTilesKernel, bytes: floatBytes(images * from.count + points * inputStride))
            try gemm.multiplyPacked(
                m: g.filters, n: g.inChannels, k: k, alpha: 1, aPanels: gradientTiles, aStride: gradientStride,
                bPanels: inputTiles, bStride: inputStride, beta: first == 0 ? 0 : 1,
                GEMMOperand(sums, leadingDimension: g.inChannels, batchStride: g.filters * g.inChannels),
                batch: points, bias: .none, tuning: tuning)
        }
        try context.launch(
            filterGradientKernel, global: [g.filters, g.inChannels], local: [1, 1], g.filters, g.inChannels, sums, weightGradient)
        WorkLedger.record(context, filterGradientKernel, bytes: floatBytes((points + 9) * g.filters * g.inChannels))
    }

    /// Narrower GEMM tiles when the product has fewer columns (input channels) than a tile,
    /// so zero padding does not multiply the work; the rows grow to keep about as many
    /// accumulators in registers.
    static func fitted(_ tuning: GEMMTuning, columns: Int) -> GEMMTuning {
        guard columns < tuning.tileColumns else { return tuning }
        var narrow = tuning
        narrow.tileColumns = roundUp(columns, to: tuning.vectorWidth)
        narrow.tileRows = min(16, max(tuning.tileRows, tuning.tileRows * tuning.tileColumns / narrow.tileColumns))
        return (try? narrow.validate()) != nil ? narrow : tuning
    }
}
