import OpenCLKit

/// An inference convolution over few input channels that max-pools 2 x 2 as it stores
/// (`conv_pool2_store` in `conv_pool.cl`): the first layers of the built-in models write their
/// full-size output only to have the next layer read it back and pool it, which made them the
/// most memory-bound steps of an inference pass.
final class PooledStoreConvolution {
    /// Input channels up to which the kernel works: beyond, the convolution's arithmetic, not
    /// its output, dominates, and the tiled direct kernels do better.
    static let maxChannels = 4
    /// Input channels up to which inference picks it. Per-layer device time favoured it for
    /// pneumonet's one-channel first layer (with the padding pass that pooled its output,
    /// 9.2–11.0 ms against 3.5–4.2 at batch 32, two profiles each) but not clearly for seed-cnn-tuned's three-channel
    /// one. End to end, one release A/B at batch 32 gave 1.11x and 1.31x for the one-channel
    /// models and 0.89x for seed-cnn-tuned; a second gave 0.80–1.10x over all pairs, within
    /// the machine's noise. Three-channel layers stay on the direct kernel.
    static let chosenChannels = 1
    /// Filters per work-item: eight (32 vector accumulators) against four, three profiles each
    /// at batch 32: seed-cnn-tuned's first layer 17–20 ms against 24–25; pneumonet's 2.8–5.6
    /// against 2.9–5.7 (noise).
    static let filtersPerItem = 8
    /// Pooled columns per work-item, the lanes of its vectors.
    static let columnsPerItem = 8

    /// Unpooled output size from which the pooled store is used. Below it the direct kernel's
    /// output stays in cache and its tiles win: at batch 1 (1–2 MiB) it ran seed-cnn-tuned's
    /// first layer in 0.40 ms against 0.96 (one profile of 6 passes each); at batch 32 (33–65 MiB) the pooled store, with
    /// the next layer's padding pass no longer pooling, saved 3–6 ms a pass. 8 MiB lies between.
    static let minimumOutputBytes = 8 << 20

    /// Whether `conv` followed by `pool` can run as one pooled-store convolution.
    static func supports(_ conv: Conv2D, pool: MaxPool2D) -> Bool {
        conv.inputChannels <= maxChannels && conv.stride == 1 && conv.kernelSize <= 7 && pool.size == 2 && pool.stride == 2
    }

    /// Whether inference runs `conv` followed by `pool` this way (for large enough batches).
    static func chosen(_ conv: Conv2D, pool: MaxPool2D) -> Bool {
        supports(conv, pool: pool) && conv.inputChannels <= chosenChannels
    }

    /// Whether the pooled store pays for a batch of geometry `g`.
    static func pays(for g: ConvGeometry) -> Bool {
        4 * g.batch * g.filters * g.outHeight * g.outWidth >= minimumOutputBytes
    }

    private let context: ComputeContext
    private let kernel: Kernel
    private let filtersPerItem: Int

    init(_ context: ComputeContext, conv: Conv2D) throws {
        self.context = context
        filtersPerItem = min(conv.filters, PooledStoreConvolution.filtersPerItem)
        kernel = try context.kernel(
            "conv_pool.cl", "conv_pool2_store",
            defines: [
                "CH": conv.inputChannels, "KS": conv.kernelSize, "TM": filtersPerItem,
                "VW": PooledStoreConvolution.columnsPerItem, "VW2": 2 * PooledStoreConvolution.columnsPerItem,
            ])
    }

    /// Convolves `input` (geometry `g`) with `weight` and `bias`, rectifies when asked, and
    /// stores the 2 x 2 maxima into `output` [N, F, OH / 2, OW / 2].
    func forward(
        input: DeviceBuffer<Float>, weight: DeviceBuffer<Float>, bias: DeviceBuffer<Float>, output: DeviceBuffer<Float>,
        geometry g: ConvGeometry, rectify: Bool
    ) throws {
        let pooledHeight = g.outHeight / 2, pooledWidth = g.outWidth / 2
        guard output.count == g.batch * g.filters * pooledHeight * pooledWidth,
              weight.count == g.filters * g.inChannels * g.kernelHeight * g.kernelWidth, bias.count == g.filters
        else {
            throw EngineError.shapeMismatch("pooled-store convolution: buffers do not fit \(g.outputShape) pooled 2 x 2")
        }
        let tiles = (g.filters + filtersPerItem - 1) / filtersPerItem
        let items = (pooledWidth + PooledStoreConvolution.columnsPerItem - 1) / PooledStoreConvolution.columnsPerItem
        // A work-group covers a pooled row (few launches' worth of groups at batch 1); the GPU
        // family groups up to 32 neighbouring column blocks.
        let profile = context.profile
        let local = min(items, profile.rowItemsPerComputeUnit != nil ? 8 : min(profile.rowGroupSize, context.device.maxWorkGroupSize, 32))
        try context.launch(
            kernel, global: [roundUp(items, to: local), pooledHeight, g.batch * tiles], local: [local, 1, 1],
            g.height, g.width, g.padTop, g.padLeft, pooledHeight, pooledWidth, g.filters, tiles, input, weight, bias,
            Int32(rectify ? 1 : 0), output)
        let taps = Double(g.inChannels * g.kernelHeight * g.kernelWidth)
        WorkLedger.record(
            context, kernel, flops: 2 * taps * Double(g.batch * g.filters * 4 * pooledHeight * pooledWidth),
            bytes: floatBytes(input.count + output.count + weight.count))
    }
}
