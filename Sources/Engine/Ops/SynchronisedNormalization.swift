import OpenCLKit

/// Synchronised batch normalisation: the statistics of the global batch over every replica
/// attached through `BatchStatisticsReduction`, and the gradient sums that go with them. Each
/// replica reduces its own slice on the device, exchanges a few numbers per channel through
/// the reducer (in Double), and normalises with the same global mean and variance.
extension Normalization {
    /// Each replica's per-channel count, mean and sum of squared deviations (M2) merge with
    /// Chan, Golub and LeVeque's formula: the global mean from the summed counts and sums,
    /// then M2 = sum over replicas of (M2_r + n_r * (mean_r - mean)^2), so the variance keeps
    /// the accuracy of the local two-pass (or merged one-pass) statistics. Two sums of C + 1
    /// and C values; the running statistics move with the global mean and the unbiased global
    /// variance, M2 / (count - 1), as PyTorch's SyncBatchNorm does.
    static func synchronisedStatistics(
        _ x: Tensor, _ layout: Layout, reducer: any BatchStatisticsReducer, weight: Tensor, bias: Tensor,
        runningMean: Tensor, runningVar: Tensor, momentum: Float, epsilon: Float, onePass: Bool
    ) throws -> Statistics {
        try requireChannelVectors(layout.channels, weight, bias, runningMean, runningVar)
        let context = x.context
        let channels = layout.channels
        var localMeans = [Float](repeating: 0, count: channels)
        var localSquares = [Float](repeating: 0, count: channels)
        if layout.perChannel > 0 {
            let mean = try Tensor(context, shape: [channels])
            let squares = try Tensor(context, shape: [channels])
            try localMoments(x, layout, mean: mean, squares: squares, onePass: onePass)
            localMeans = try mean.toArray()
            localSquares = try squares.toArray()
        }
        let n = Double(layout.perChannel)
        var sums = [n] + localMeans.map { n * Double($0) }
        try reducer.sumOverReplicas(&sums)
        let count = sums[0]
        // Every replica sees the same count, so all of them throw here together.
        guard count > 1 else {
            throw EngineError.invalidConfiguration(
                "synchronised batch normalisation needs more than one value per channel over all replicas, got \(Int(count)) "
                    + "(input shape \(x.shape) here); use a batch size above 1")
        }
        let globalMeans = sums.dropFirst().map { $0 / count }
        var deviations = (0..<channels).map { c -> Double in
            let offset = Double(localMeans[c]) - globalMeans[c]
            return Double(localSquares[c]) + n * offset * offset
        }
        try reducer.sumOverReplicas(&deviations)

        let mean = try Tensor(context, shape: [channels], values: globalMeans.map { Float($0) })
        let squares = try Tensor(context, shape: [channels], values: deviations.map { Float($0) })
        let inverseStd = try Tensor(context, shape: [channels])
        // bn_variance_final with a single "partial" per channel: the global M2.
        try launchPerChannel(context, "bn_variance_final", layout) { kernel, global, local in
            try context.launch(
                kernel, global: global, local: local,
                squares.buffer, mean.buffer, inverseStd.buffer, runningMean.buffer, runningVar.buffer,
                1, channels, Float(count), epsilon, momentum)
        }
        var statistics = try affine(mean: mean, inverseStd: inverseStd, fromBatch: true, weight: weight, bias: bias, layout)
        statistics.synchronised = Synchronised(reducer: reducer, count: count)
        return statistics
    }

    /// This replica's per-channel mean and sum of squared deviations from it, reduced as the
    /// unsynchronised statistics are (one pass with merged moments, or two passes).
    private static func localMoments(_ x: Tensor, _ layout: Layout, mean: Tensor, squares: Tensor, onePass: Bool) throws {
        let context = x.context
        let reduction = layout.reductionGeometry(context)
        if onePass {
            let moments = try momentPartials(x, layout, reduction)
            try context.launch(
                kernel(context, "channel_moments_final", contiguousRuns: true),
                global: [layout.channels], local: [Pointwise.groupSize(context)],
                moments, mean.buffer, squares.buffer, reduction.groups, layout.channels)
            return
        }
        let partials = try meanAndDeviationPartials(x, layout, reduction, mean: mean)
        // channel_mean_final with a count of 1 is the plain sum of the partials (x / 1 is exact).
        try launchPerChannel(context, "channel_mean_final", layout) { kernel, global, local in
            try context.launch(
                kernel, global: global, local: local, partials.buffer, squares.buffer, reduction.groups, layout.channels, Float(1))
        }
    }

    /// Replaces the input gradient's coefficients (sum(g) / M, sum(g * xhat) / M per channel,
    /// written by bn_backward_final from this replica's sums) with the global sums over the
    /// global count, so dx is that of one process on the global batch. The weight and bias
    /// gradients stay this replica's share: averaging the replicas' parameter gradients, as
    /// data-parallel training does, then gives the global batch's gradient.
    static func synchroniseGradientSums(
        _ synchronised: Synchronised, dbeta: Tensor, dgamma: Tensor, coefficients: Tensor, channels: Int
    ) throws {
        var sums = try dbeta.toArray().map(Double.init) + dgamma.toArray().map(Double.init)
        try synchronised.reducer.sumOverReplicas(&sums)
        var k = [Float](repeating: 0, count: 2 * channels)
        for c in 0..<channels {
            k[2 * c] = Float(sums[c] / synchronised.count)
            k[2 * c + 1] = Float(sums[channels + c] / synchronised.count)
        }
        try coefficients.buffer.write(k)
    }
}
