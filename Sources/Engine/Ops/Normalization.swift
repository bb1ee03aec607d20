import OpenCLKit

/// Batch normalisation on the device (kernels in `norm.cl`), for inputs `[N, C]` or
/// `[N, C, H, W]` (any trailing dimensions count as spatial).
public enum Normalization {
    /// The per-channel statistics a forward normalised with, kept for backward.
    public struct Statistics {
        /// `[C]` means the input was centred with.
        public let mean: Tensor
        /// `[C]` values of 1 / sqrt(variance + epsilon).
        public let inverseStandardDeviation: Tensor
        /// True when they came from the batch (training), false for running statistics.
        public let fromBatch: Bool
        /// `[C]` invstd * gamma and beta - mean * scale: the layer as y = x * scale + shift.
        public let scale: Tensor
        public let shift: Tensor
        /// Set when the statistics are the global batch's (synchronised BatchNorm): backward
        /// then sums its per-channel gradient sums over the replicas through the same reducer.
        var synchronised: Synchronised? = nil
    }

    /// Where synchronised statistics came from: the reducer and the global count per channel.
    struct Synchronised {
        let reducer: any BatchStatisticsReducer
        let count: Double
    }

    /// Normalises with the batch's mean and biased variance and updates the running
    /// statistics in place: running = (1 - momentum) * running + momentum * batch value,
    /// the variance taken unbiased there (PyTorch's convention).
    /// With `fusedReLU` the output is max(normalised, 0): batch norm and ReLU in one pass.
    /// `onePass` picks how the statistics are reduced (nil: as the device profile says; see
    /// norm.cl), for tests that check both.
    public static func trainingForward(
        _ x: Tensor, weight: Tensor, bias: Tensor, runningMean: Tensor, runningVar: Tensor,
        momentum: Float, epsilon: Float, fusedReLU: Bool = false, onePass: Bool? = nil
    ) throws -> (output: Tensor, statistics: Statistics) {
        let statistics = try trainingStatistics(
            x, weight: weight, bias: bias, runningMean: runningMean, runningVar: runningVar, momentum: momentum, epsilon: epsilon,
            onePass: onePass)
        return (try normalize(x, try Layout(x, channels: weight.count), statistics, fusedReLU: fusedReLU), statistics)
    }

    /// The batch statistics of `trainingForward` and its running-statistics update, without
    /// the normalised output: for a following kernel that normalises as it reads (max pooling).
    /// With a `BatchStatisticsReduction` attached to the context, the statistics are those of
    /// the global batch over every replica (see `synchronisedStatistics`).
    public static func trainingStatistics(
        _ x: Tensor, weight: Tensor, bias: Tensor, runningMean: Tensor, runningVar: Tensor,
        momentum: Float, epsilon: Float, onePass: Bool? = nil
    ) throws -> Statistics {
        let layout = try Layout(x, channels: weight.count)
        if let reducer = x.context.attachment(BatchStatisticsReduction.self) {
            return try synchronisedStatistics(
                x, layout, reducer: reducer, weight: weight, bias: bias, runningMean: runningMean, runningVar: runningVar,
                momentum: momentum, epsilon: epsilon, onePass: onePass ?? x.context.profile.onePassStatistics)
        }
        guard layout.perChannel > 1 else {
            throw EngineError.invalidConfiguration(
                "batch normalisation in training needs more than one value per channel, got input shape \(x.shape); "
                    + "use a batch size above 1 or inference mode")
        }
        try requireChannelVectors(layout.channels, weight, bias, runningMean, runningVar)
        let context = x.context
        let reduction = layout.reductionGeometry(context)
        let mean = try Tensor(context, shape: [layout.channels])
        let inverseStd = try Tensor(context, shape: [layout.channels])
        if onePass ?? context.profile.onePassStatistics {
            // One pass with per-run moments (see channel_moments_partial).
            let moments = try momentPartials(x, layout, reduction)
            try context.launch(
                kernel(context, "bn_moments_final", contiguousRuns: true),
                global: [layout.channels], local: [Pointwise.groupSize(context)],
                moments, mean.buffer, inverseStd.buffer, runningMean.buffer, runningVar.buffer,
                reduction.groups, layout.channels, epsilon, momentum)
            return try affine(mean: mean, inverseStd: inverseStd, fromBatch: true, weight: weight, bias: bias, layout)
        }
        let partials = try meanAndDeviationPartials(x, layout, reduction, mean: mean)
        try launchPerChannel(context, "bn_variance_final", layout) { kernel, global, local in
            try context.launch(
                kernel, global: global, local: local,
                partials.buffer, mean.buffer, inverseStd.buffer, runningMean.buffer, runningVar.buffer,
                reduction.groups, layout.channels, Float(layout.perChannel), epsilon, momentum)
        }
        return try affine(mean: mean, inverseStd: inverseStd, fromBatch: true, weight: weight, bias: bias, layout)
    }

    /// Normalises with the running statistics; changes nothing.
    public static func inferenceForward(
        _ x: Tensor, weight: Tensor, bias: Tensor, runningMean: Tensor, runningVar: Tensor, epsilon: Float,
        fusedReLU: Bool = false
    ) throws -> (output: Tensor, statistics: Statistics) {
        let layout = try Layout(x, channels: weight.count)
        try requireChannelVectors(layout.channels, weight, bias, runningMean, runningVar)
        let context = x.context
        let inverseStd = try Tensor(context, shape: [layout.channels])
        try launchPerChannel(context, "bn_running_invstd", layout) { kernel, global, local in
            try context.launch(kernel, global: global, local: local, runningVar.buffer, inverseStd.buffer, layout.channels, epsilon)
        }
        let statistics = try affine(mean: runningMean, inverseStd: inverseStd, fromBatch: false, weight: weight, bias: bias, layout)
        return (try normalize(x, layout, statistics, fusedReLU: fusedReLU), statistics)
    }

    /// Writes dL/dweight and dL/dbias (overwriting) and returns dL/dx. With batch statistics
    /// the input gradient includes their dependence on every input of the channel. With
    /// `fusedReLU`, `dy` is the gradient after the ReLU of a fused forward.
    /// With `pooled`, `dy` is instead the output gradient of the 2 x 2, stride-2 max pool that
    /// follows in training, routed through its argmax here (see POOLED_GRADIENT in norm.cl).
    public static func backward(
        input x: Tensor, outputGradient dy: Tensor, statistics: Statistics, weight: Tensor,
        weightGradient: Tensor, biasGradient: Tensor, fusedReLU: Bool = false, pooled: PooledGradient? = nil
    ) throws -> Tensor {
        if let pooled {
            try pooled.validate(input: x, gradient: dy, fromBatch: statistics.fromBatch)
        } else {
            try Pointwise.requireSameShape(x, dy, "batch normalisation backward (output gradient)")
        }
        let layout = try Layout(x, channels: weight.count)
        // Without a pool the kernels never read argmax; any buffer fills the slot.
        let argmax: any KernelArgument = pooled?.argmax ?? dy.buffer
        let width = x.shape.count == 4 ? x.shape[3] : 1
        try requireChannelVectors(layout.channels, weightGradient, biasGradient)
        let context = x.context
        let reduction = layout.reductionGeometry(context)
        let partialDy = try Tensor(context, shape: [layout.channels * reduction.groups])
        let partialDyXhat = try Tensor(context, shape: [layout.channels * reduction.groups])
        let scratch = LocalMemory(bytes: reduction.local * MemoryLayout<Float>.stride)
        let mean = statistics.mean
        let inverseStd = statistics.inverseStandardDeviation

        try context.launch(
            kernel(context, "bn_backward_partial", fusedReLU: fusedReLU, pooled: pooled != nil),
            global: reduction.global, local: reduction.localSizes,
            x.buffer, dy.buffer, argmax, mean.buffer, inverseStd.buffer, statistics.scale.buffer, statistics.shift.buffer,
            partialDy.buffer, partialDyXhat.buffer,
            layout.batch, layout.channels, layout.spatial, width, scratch, scratch)
        let coefficients = try Tensor(context, shape: [2 * layout.channels])
        try launchPerChannel(context, "bn_backward_final", layout) { kernel, global, local in
            try context.launch(
                kernel, global: global, local: local,
                partialDy.buffer, partialDyXhat.buffer, weightGradient.buffer, biasGradient.buffer, coefficients.buffer,
                reduction.groups, layout.channels, Float(layout.perChannel))
        }
        if let synchronised = statistics.synchronised, statistics.fromBatch {
            try synchroniseGradientSums(
                synchronised, dbeta: biasGradient, dgamma: weightGradient, coefficients: coefficients, channels: layout.channels)
        }
        let dx = try Tensor(context, shape: x.shape)
        if x.count == 0 { return dx }
        let grid = layout.elementGeometry(context)
        if statistics.fromBatch {
            try context.launch(
                kernel(context, "bn_backward_input", fusedReLU: fusedReLU, pooled: pooled != nil, run: layout.run),
                global: grid.global, local: grid.local,
                x.buffer, dy.buffer, argmax, mean.buffer, inverseStd.buffer, statistics.scale.buffer, statistics.shift.buffer,
                coefficients.buffer, dx.buffer, layout.batch, layout.channels, layout.spatial, width)
        } else {
            try context.launch(
                kernel(context, "bn_backward_input_frozen", fusedReLU: fusedReLU, run: layout.run), global: grid.global, local: grid.local,
                x.buffer, dy.buffer, statistics.scale.buffer, statistics.shift.buffer, dx.buffer,
                layout.batch, layout.channels, layout.spatial)
        }
        return dx
    }

    /// The output gradient of a 2 x 2, stride-2 max pool after the layer, with the pool's
    /// argmax: the layer's own output gradient without writing it out.
    public struct PooledGradient {
        public let argmax: DeviceBuffer<Int32>

        public init(argmax: DeviceBuffer<Int32>) { self.argmax = argmax }

        /// True when a pool of `size` and `stride` over [N, C, H, W] planes fits this routing:
        /// 2 x 2 windows covering every position and rows of whole vectors of 8.
        public static func supports(size: Int, stride: Int, inputShape: [Int]) -> Bool {
            size == 2 && stride == 2 && inputShape.count == 4 && inputShape[2] % 2 == 0 && inputShape[3] % 8 == 0
        }

        func validate(input x: Tensor, gradient dy: Tensor, fromBatch: Bool) throws {
            let shape = x.shape
            guard fromBatch, PooledGradient.supports(size: 2, stride: 2, inputShape: shape),
                  dy.shape == [shape[0], shape[1], shape[2] / 2, shape[3] / 2], argmax.count >= dy.count else {
                throw EngineError.shapeMismatch(
                    "batch normalisation backward through a 2x2 max pool needs batch statistics, input [N, C, H, W] with even H and W "
                        + "a multiple of 8, and the pooled gradient [N, C, H/2, W/2] with its argmax; got input \(shape), gradient "
                        + "\(dy.shape), argmax of \(argmax.count)")
            }
        }
    }

    /// The per-channel affine form of the layer from its statistics.
    static func affine(
        mean: Tensor, inverseStd: Tensor, fromBatch: Bool, weight: Tensor, bias: Tensor, _ layout: Layout
    ) throws -> Statistics {
        let context = mean.context
        let scale = try Tensor(context, shape: [layout.channels])
        let shift = try Tensor(context, shape: [layout.channels])
        try launchPerChannel(context, "bn_affine", layout) { kernel, global, local in
            try context.launch(
                kernel, global: global, local: local,
                mean.buffer, inverseStd.buffer, weight.buffer, bias.buffer, scale.buffer, shift.buffer, layout.channels)
        }
        return Statistics(mean: mean, inverseStandardDeviation: inverseStd, fromBatch: fromBatch, scale: scale, shift: shift)
    }

    private static func normalize(_ x: Tensor, _ layout: Layout, _ statistics: Statistics, fusedReLU: Bool) throws -> Tensor {
        let context = x.context
        let y = try Tensor(context, shape: x.shape)
        if x.count == 0 { return y }
        let grid = layout.elementGeometry(context)
        try context.launch(
            kernel(context, "bn_normalize", fusedReLU: fusedReLU, run: layout.run), global: grid.global, local: grid.local,
            x.buffer, statistics.scale.buffer, statistics.shift.buffer, y.buffer, layout.batch, layout.channels, layout.spatial)
        return y
    }

    /// A kernel of norm.cl built for the device's memory order, `run` positions a work-item
    /// in the per-element kernels and, when asked, with the ReLU fused in (see the defines at
    /// the top of norm.cl).
    static func kernel(
        _ context: ComputeContext, _ name: String, fusedReLU: Bool = false, pooled: Bool = false, run: Int = 1,
        contiguousRuns: Bool? = nil
    ) throws -> Kernel {
        var defines: [String: Int] = ["RUN": run]
        if pooled { defines["POOLED_GRADIENT"] = 1 }
        if contiguousRuns ?? context.profile.contiguousRuns { defines["CONTIGUOUS_RUNS"] = 1 }
        if fusedReLU { defines["FUSED_RELU"] = 1 }
        return try context.kernel("norm.cl", name, defines: defines)
    }

    static func launchPerChannel(
        _ context: ComputeContext, _ name: String, _ layout: Layout, _ body: (Kernel, [Int], [Int]) throws -> Void
    ) throws {
        try body(kernel(context, name), [layout.channels], [Pointwise.groupSize(context)])
    }

    static func requireChannelVectors(_ channels: Int, _ tensors: Tensor...) throws {
        for tensor in tensors where tensor.count != channels {
            throw EngineError.shapeMismatch(
                "batch normalisation over \(channels) channels got a per-channel tensor of shape \(tensor.shape); expected [\(channels)]")
        }
    }

    /// An input seen as [batch, channels, spatial].
    struct Layout {
        let batch: Int
        let channels: Int
        let spatial: Int
        var perChannel: Int { batch * spatial }

        init(_ x: Tensor, channels expected: Int) throws {
            guard expected > 0, x.shape.count >= 2, x.shape[1] == expected else {
                throw EngineError.shapeMismatch(
                    "batch normalisation over \(expected) channels needs input [N, \(expected)] or [N, \(expected), H, W], got \(x.shape)")
            }
            batch = x.shape[0]
            channels = expected
            spatial = x.shape.dropFirst(2).reduce(1, *)
        }

        /// Positions each work-item of the per-element kernels takes as one vector (RUN in
        /// norm.cl): 8 when a plane splits into runs of 8, else 1.
        var run: Int { spatial % 8 == 0 ? 8 : 1 }

        /// Grid (s / run, c, n) for the per-element kernels, each local extent a power of two
        /// no larger than needed, so small planes or few channels leave few work-items idle.
        func elementGeometry(_ context: ComputeContext) -> (global: [Int], local: [Int]) {
            var room = Pointwise.groupSize(context)
            let global = [spatial / run, channels, batch]
            let local = global.map { extent -> Int in
                var size = 1
                while size < extent && size < room { size *= 2 }
                room /= size
                return size
            }
            return (global, local)
        }

        /// Groups of a power-of-two size no wider than a plane (a work-item per position), and
        /// per channel enough groups for about eight values a work-item (256 a group at least),
        /// no more than one per image and at most 64.
        /// Work-group size, group count and launch sizes of a per-channel reduction.
        typealias ReductionGeometry = (local: Int, groups: Int, global: [Int], localSizes: [Int])

        func reductionGeometry(_ context: ComputeContext) -> ReductionGeometry {
            // With contiguous runs (CPUs, see norm.cl) a few long runs per group beat many short
            // ones, whose tree reduction would cost as much as the sums: the profile caps the group.
            let largest = min(context.profile.statisticsGroupLimit ?? Int.max, Pointwise.reductionGroupSize(context))
            var local = 1
            while local < spatial && local < largest { local *= 2 }
            let perGroup = max(local * 8, 256)
            let groups = max(1, min(64, batch, (perChannel + perGroup - 1) / perGroup))
            return (local, groups, [groups * local, channels], [local, 1])
        }
    }

    /// Launches channel_moments_partial: per work-group and channel the count, mean and sum of
    /// squared deviations of its runs, to be merged by a *_moments_final kernel.
    static func momentPartials(_ x: Tensor, _ layout: Layout, _ reduction: Layout.ReductionGeometry) throws -> DeviceBuffer<Float> {
        let context = x.context
        let moments = try DeviceBuffer<Float>(context, count: 4 * layout.channels * reduction.groups)
        try context.launch(
            kernel(context, "channel_moments_partial", contiguousRuns: true), global: reduction.global, local: reduction.localSizes,
            x.buffer, moments, layout.batch, layout.channels, layout.spatial,
            LocalMemory(bytes: reduction.local * 4 * MemoryLayout<Float>.stride))
        return moments
    }

    /// The two-pass statistics' first half: writes each channel's mean into `mean` and returns
    /// the per-group partial sums of squared deviations from it, to be finished per channel.
    static func meanAndDeviationPartials(_ x: Tensor, _ layout: Layout, _ reduction: Layout.ReductionGeometry, mean: Tensor) throws -> Tensor {
        let context = x.context
        let partials = try Tensor(context, shape: [layout.channels * reduction.groups])
        let scratch = LocalMemory(bytes: reduction.local * MemoryLayout<Float>.stride)
        let count = Float(layout.perChannel)
        try context.launch(
            kernel(context, "channel_sum_partial"), global: reduction.global, local: reduction.localSizes,
            x.buffer, partials.buffer, layout.batch, layout.channels, layout.spatial, scratch)
        try launchPerChannel(context, "channel_mean_final", layout) { kernel, global, local in
            try context.launch(
                kernel, global: global, local: local,
                partials.buffer, mean.buffer, reduction.groups, layout.channels, count)
        }
        try context.launch(
            kernel(context, "channel_sqdev_partial"), global: reduction.global, local: reduction.localSizes,
            x.buffer, mean.buffer, partials.buffer, layout.batch, layout.channels, layout.spatial, scratch)
        return partials
    }
}
