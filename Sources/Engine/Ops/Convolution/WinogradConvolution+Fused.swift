import OpenCLKit

/// One fused Winograd pass as `winograd_fused` is built for it (`Kernels/winograd_fused.cl`):
/// `channels` planes in, `filters` planes of the output's size out, and where the padded input
/// keeps its planes. The kernel's tiles form a grid whose rows are a multiple of 16 tiles or a
/// power of two below 16, so each vector of tiles loads and stores whole segments of rows; the
/// plane's own rows of tiles are rounded up to it, and the tiles past the plane are computed
/// on zeros and dropped (61 wide: 31 tiles, a grid of 32).
struct FusedWinogradShape {
    /// Vectors of 16 tiles per work-item, and filters per register block: 1 x 8 was fastest or
    /// tied on every pass of pneumonet's layers against 1 x 6, 1 x 12, 2 x 4 and 2 x 6 (one run
    /// of each, 1 x 8 twice, a training run sharing the cores; two vectors waste half the lanes
    /// of an 8 x 8 plane's 16 tiles: 1.7-1.9x slower there).
    static let tileVectors = 1
    static let filterBlock = 8

    let channels: Int
    let inHeight: Int
    let inWidth: Int
    let filters: Int
    let filtersPadded: Int
    /// Tiles in a row of the plane and of the kernel's grid, and rows of tiles in the plane.
    let tilesWide: Int
    let gridWide: Int
    let tilesHigh: Int
    /// Rows of tiles every group's vectors cover: `tilesHigh` rounded up to whole groups.
    let tileRows: Int
    let outHeight: Int
    let outWidth: Int
    let padded: PaddedPlanes

    init(from: WinogradPlane, into to: WinogradPlane, padTop: Int, padLeft: Int) {
        let tiles = to.tiles
        channels = from.channels
        inHeight = from.height
        inWidth = from.width
        filters = to.channels
        filtersPadded = roundUp(to.channels, to: FusedWinogradShape.filterBlock)
        tilesWide = tiles.wide
        gridWide = FusedWinogradShape.gridWidth(tiles.wide)
        tilesHigh = tiles.high
        outHeight = to.height
        outWidth = to.width
        // A group's vectors read patches down to their last row of tiles, below the image when
        // the tiles do not fill the group: rows of zeros.
        tileRows = roundUp(gridWide * tiles.high, to: FusedWinogradShape.tilesPerItem) / gridWide
        padded = PaddedPlanes(width: 2 * gridWide + 2, top: padTop, left: padLeft, outputRows: 2 * tileRows, kernelHeight: 3, slack: 0)
    }

    /// The grid's row for `tiles` tiles a row: a multiple of 16, or the power of two at or above it.
    static func gridWidth(_ tiles: Int) -> Int {
        if tiles >= 16 { return roundUp(tiles, to: 16) }
        var width = 1
        while width < tiles { width *= 2 }
        return width
    }

    /// Share of the grid's tiles that are the plane's: the rest is work thrown away.
    var utilization: Double { Double(tilesWide) / Double(gridWide) }

    static var tilesPerItem: Int { 16 * tileVectors }

    /// Floats of one image in and out.
    var inputFloats: Int { channels * inHeight * inWidth }
    var outputFloats: Int { filters * outHeight * outWidth }

    var groupsPerImage: Int { (gridWide * tilesHigh + FusedWinogradShape.tilesPerItem - 1) / FusedWinogradShape.tilesPerItem }

    /// Filters per work-item and how many parts that makes: all of them while the groups of
    /// tiles of `images` images give every compute unit two work-items, else split in blocks of
    /// `filterBlock` until they do (batch 1 on an 8 x 8 plane: one group of tiles).
    func filterSplit(images: Int, computeUnits: Int) -> (filters: Int, count: Int) {
        let items = groupsPerImage * images, wanted = 2 * max(1, computeUnits)
        guard items < wanted else { return (filtersPadded, 1) }
        let blocks = filtersPadded / FusedWinogradShape.filterBlock
        let parts = min(blocks, (wanted + items - 1) / items)
        let perPart = (blocks + parts - 1) / parts * FusedWinogradShape.filterBlock
        return (perPart, (filtersPadded + perPart - 1) / perPart)
    }

    /// Local scratch of one work-item: 16 points x channels x its tiles, in floats.
    var scratchBytes: Int { 16 * channels * FusedWinogradShape.tilesPerItem * 4 }

    var defines: [String: Int] {
        ["CHANNELS": channels, "FILTERS": filters, "FILTERS_PADDED": filtersPadded, "TILES_WIDE": gridWide,
         "TILES_HIGH": tilesHigh, "PADDED_WIDTH": padded.width, "PLANE": padded.plane, "OUT_HEIGHT": outHeight,
         "OUT_WIDTH": outWidth, "FILTER_BLOCK": FusedWinogradShape.filterBlock, "TILE_VECTORS": FusedWinogradShape.tileVectors]
    }
}

extension WinogradConvolution {
    /// The fused pass of `g`: forward, or input gradient (nil for the weight gradient).
    static func fusedShape(_ g: ConvGeometry, _ pass: ConvolutionPass) -> FusedWinogradShape? {
        let input = WinogradPlane(channels: g.inChannels, height: g.height, width: g.width)
        let output = WinogradPlane(channels: g.filters, height: g.outHeight, width: g.outWidth)
        switch pass {
        case .forward: return FusedWinogradShape(from: input, into: output, padTop: g.padTop, padLeft: g.padLeft)
        case .backwardInput: return FusedWinogradShape(from: output, into: input, padTop: 2 - g.padTop, padLeft: 2 - g.padLeft)
        case .backwardWeights: return nil
        }
    }

    /// Whether the untuned rule of `profile` gives `pass` of `g` to Winograd on a device with
    /// `localMemory` bytes of local memory (see `ConvolutionChoice.rule`): only passes that run fused there.
    static func ruleChooses(_ g: ConvGeometry, _ pass: ConvolutionPass, _ profile: DeviceProfile, localMemory: Int) -> Bool {
        guard profile.fusedWinogradTransforms == true, let minimum = profile.winogradMinimumChannels,
              supports(g, minimumChannels: max(minimum, defaultMinimumChannels)), g.filters >= minimum
        else { return false }
        func fusesWell(_ pass: ConvolutionPass) -> Bool {
            guard let shape = fusedShape(g, pass) else { return false }
            return shape.scratchBytes <= localMemory && shape.utilization >= profile.directUtilizationLimit
        }
        switch pass {
        case .forward, .backwardInput: return fusesWell(pass)
        case .backwardWeights:
            let small = profile.winogradWeightGradientPixels.map { g.outputPixels <= $0 } ?? false
            // The fused weight gradient walks the forward pass's grid of tiles.
            let fused = profile.fusedWinogradWeightGradientChannels.map { g.inChannels >= $0 } ?? false
                && runsWeightGradientFused(g, localMemory: localMemory) && fusesWell(.forward)
            return small || fused
        }
    }

    /// The forward pass on the max pooling of `input` by `pool` (whose output is `g`'s input),
    /// pooled as the fused kernel's input is padded (`pad_pooled_planes`), so the pooled tensor
    /// is never written. False, with nothing run, when this pass would not run fused.
    func forward(
        pooling pool: PoolGeometry, input: DeviceBuffer<Float>, weight: DeviceBuffer<Float>, bias: DeviceBuffer<Float>?,
        output: DeviceBuffer<Float>, geometry g: ConvGeometry, rectify: Bool, prepared: PreparedWeights?
    ) throws -> Bool {
        let shape = WinogradConvolution.fusedShape(g, .forward)
        guard let shape, supports(g), fusesTransforms, shape.scratchBytes <= context.device.localMemory else { return false }
        guard pool.outputShape == g.inputShape else {
            throw EngineError.shapeMismatch("the pooling gives \(pool.outputShape), but the convolution \(g) reads \(g.inputShape)")
        }
        try resources.require(input, pool.inputShape, "input before pooling")
        try resources.requireForward(input: input, weight: weight, bias: bias, output: output, g)
        try fusedConvolution(
            shape, source: input, pool: pool, weight: weight, flipped: false, destination: output, bias: bias, batch: g.batch,
            rectify: rectify, prepared: prepared)
        return true
    }

    /// destination = conv3x3(source padded as `shape.padded` says, filters) (+ bias, ReLU with
    /// `rectify`): each chunk of images padded (`pad_planes`; `pad_pooled_planes` of the source
    /// when `pool` is given), then `winograd_fused`, built for the shape, does every transform and product.
    func fusedConvolution(
        _ shape: FusedWinogradShape, source: DeviceBuffer<Float>, pool: PoolGeometry? = nil, weight: DeviceBuffer<Float>,
        flipped: Bool, destination: DeviceBuffer<Float>, bias: DeviceBuffer<Float>?, batch: Int, rectify: Bool,
        prepared: PreparedWeights?
    ) throws {
        let filters = try fusedFilters(weight, shape: shape, flipped: flipped, prepared: prepared)
        let kernel = try context.kernel("winograd_fused.cl", "winograd_fused", defines: shape.defines)
        let layout = shape.padded
        let sourceFloats = pool.map { shape.channels * $0.height * $0.width } ?? shape.inputFloats
        let chunk = try imagesPerChunk(
            batch: batch, floatsPerImage: shape.channels * layout.plane, planeFloats: max(sourceFloats, shape.outputFloats))
        let padded = try DeviceBuffer<Float>(context, count: shape.channels * layout.plane * chunk)
        let epilogue = Int32((bias == nil ? 0 : 1) | (rectify ? 2 : 0))
        for first in stride(from: 0, to: batch, by: chunk) {
            let images = min(chunk, batch - first)
            let planes = images * shape.channels
            if let pool {
                let split = resources.rowSplit(planes * layout.rows)
                try context.launch(
                    padPooledKernel, global: [split.items], local: [split.local], pool.outHeight, pool.outWidth, layout.rows,
                    layout.width, layout.plane, layout.top, layout.left, planes, split.perItem, pool.height, pool.width, pool.size,
                    pool.stride, source, first * sourceFloats, padded)
                WorkLedger.record(context, padPooledKernel, bytes: floatBytes(images * sourceFloats + planes * layout.rows * layout.width))
            } else {
                try pad(source, offset: first * sourceFloats, planes: planes, height: shape.inHeight, width: shape.inWidth,
                        layout: layout, into: padded)
            }
            let parts = shape.filterSplit(images: images, computeUnits: context.device.computeUnits)
            try context.launch(
                kernel, global: [shape.groupsPerImage, images, parts.count], local: [1, 1, 1],
                padded, filters, destination, first * shape.outputFloats, bias ?? destination, epilogue, parts.filters)
            WorkLedger.record(
                context, kernel, flops: 2 * 16 * Double(shape.channels * shape.filters * shape.gridWide * shape.tilesHigh * images),
                bytes: floatBytes(images * (shape.channels * layout.plane + shape.outputFloats)))
        }
    }

    /// U = G g Gt of every (filter, channel) pair as [16 points][channels][filtersPadded]
    /// (`flipped`: the input gradient's filters), zero past the last filter; kept in `prepared`
    /// when given, until `weight` is written.
    private func fusedFilters(
        _ weight: DeviceBuffer<Float>, shape: FusedWinogradShape, flipped: Bool, prepared: PreparedWeights?
    ) throws -> DeviceBuffer<Float> {
        let make = { () throws -> DeviceBuffer<Float> in
            let pointStride = shape.channels * shape.filtersPadded
            let filters = try DeviceBuffer<Float>(self.context, count: 16 * pointStride)
            if shape.filtersPadded > shape.filters { try filters.fill(0) }
            // One panel of filtersPadded rows: the filters are the innermost index.
            try self.context.launch(
                self.filterTilesKernel, global: [roundUp(shape.filters, to: 16), shape.channels], local: [16, 1],
                shape.filters, shape.channels, weight, Int32(flipped ? 1 : 0), filters, pointStride, shape.filtersPadded)
            WorkLedger.record(self.context, self.filterTilesKernel, bytes: floatBytes(25 * shape.filters * shape.channels))
            return filters
        }
        let key = PreparedWeights.Key(
            arrangement: "fused winograd filter tiles", layout: [shape.filtersPadded, shape.filters, shape.channels, flipped ? 1 : 0])
        return try prepared.map { try $0.buffer(key, from: weight, prepare: make) } ?? make()
    }

    /// Copies `planes` planes of `height` x `width` from `source` + `offset` into `layout`.
    func pad(
        _ source: DeviceBuffer<Float>, offset: Int, planes: Int, height: Int, width: Int, layout: PaddedPlanes,
        into padded: DeviceBuffer<Float>
    ) throws {
        let split = resources.rowSplit(planes * layout.rows)
        try context.launch(
            padKernel, global: [split.items], local: [split.local], height, width, layout.rows, layout.width, layout.plane,
            layout.top, layout.left, planes, split.perItem, source, offset, padded)
        WorkLedger.record(context, padKernel, bytes: floatBytes(planes * (height * width + layout.rows * layout.width)))
    }
}
