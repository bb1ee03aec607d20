/// Plain-Swift batch normalisation (in Double): the oracle for `norm.cl`.
/// Inputs are `[N, C, S...]` flattened row-major; `channels` is C and `spatial` the product of S.
public enum NormalizationReference {
    /// What a training forward produces.
    public struct TrainingResult {
        /// Normalised, scaled and shifted input.
        public let output: [Float]
        /// Batch mean per channel.
        public let mean: [Float]
        /// Biased variance (the one used to normalise).
        public let variance: [Float]
        /// Running mean after the update.
        public let runningMean: [Float]
        /// Running variance after the update (unbiased batch variance blended in).
        public let runningVar: [Float]
    }

    /// Batch statistics, normalisation, and the running statistics after the update.
    public static func trainingForward(
        _ x: [Float], batch: Int, channels: Int, spatial: Int, weight: [Float], bias: [Float],
        runningMean: [Float], runningVar: [Float], momentum: Float, epsilon: Float
    ) -> TrainingResult {
        let count = Double(batch * spatial)
        var mean = [Double](repeating: 0, count: channels)
        var squares = [Double](repeating: 0, count: channels)
        forEach(batch, channels, spatial) { c, i in mean[c] += Double(x[i]) }
        mean = mean.map { $0 / count }
        forEach(batch, channels, spatial) { c, i in squares[c] += (Double(x[i]) - mean[c]) * (Double(x[i]) - mean[c]) }
        let variance = squares.map { $0 / count }
        var output = [Float](repeating: 0, count: x.count)
        forEach(batch, channels, spatial) { c, i in
            let xhat = (Double(x[i]) - mean[c]) / (variance[c] + Double(epsilon)).squareRoot()
            output[i] = Float(xhat * Double(weight[c]) + Double(bias[c]))
        }
        let m = Double(momentum)
        return TrainingResult(
            output: output, mean: mean.map(Float.init), variance: variance.map(Float.init),
            runningMean: (0..<channels).map { Float((1 - m) * Double(runningMean[$0]) + m * mean[$0]) },
            runningVar: (0..<channels).map { Float((1 - m) * Double(runningVar[$0]) + m * squares[$0] / (count - 1)) })
    }

    /// Normalisation with the running statistics.
    public static func inferenceForward(
        _ x: [Float], batch: Int, channels: Int, spatial: Int, weight: [Float], bias: [Float],
        runningMean: [Float], runningVar: [Float], epsilon: Float
    ) -> [Float] {
        var output = [Float](repeating: 0, count: x.count)
        forEach(batch, channels, spatial) { c, i in
            let xhat = (Double(x[i]) - Double(runningMean[c])) / (Double(runningVar[c]) + Double(epsilon)).squareRoot()
            output[i] = Float(xhat * Double(weight[c]) + Double(bias[c]))
        }
        return output
    }

    /// Gradients with respect to the input, weight and bias. `runningVar` (and `runningMean`)
    /// are used when `batchStatistics` is false; otherwise the batch's are recomputed.
    public static func backward(
        _ x: [Float], outputGradient dy: [Float], batch: Int, channels: Int, spatial: Int, weight: [Float],
        epsilon: Float, batchStatistics: Bool, runningMean: [Float] = [], runningVar: [Float] = []
    ) -> (input: [Float], weight: [Float], bias: [Float]) {
        let count = Double(batch * spatial)
        var mean = [Double](repeating: 0, count: channels)
        var variance = [Double](repeating: 0, count: channels)
        if batchStatistics {
            forEach(batch, channels, spatial) { c, i in mean[c] += Double(x[i]) / count }
            forEach(batch, channels, spatial) { c, i in variance[c] += (Double(x[i]) - mean[c]) * (Double(x[i]) - mean[c]) / count }
        } else {
            mean = runningMean.map(Double.init)
            variance = runningVar.map(Double.init)
        }
        let inverseStd = variance.map { 1 / ($0 + Double(epsilon)).squareRoot() }
        var sumDy = [Double](repeating: 0, count: channels)
        var sumDyXhat = [Double](repeating: 0, count: channels)
        forEach(batch, channels, spatial) { c, i in
            sumDy[c] += Double(dy[i])
            sumDyXhat[c] += Double(dy[i]) * (Double(x[i]) - mean[c]) * inverseStd[c]
        }
        var dx = [Float](repeating: 0, count: x.count)
        forEach(batch, channels, spatial) { c, i in
            let g = Double(weight[c]) * inverseStd[c]
            if batchStatistics {
                let xhat = (Double(x[i]) - mean[c]) * inverseStd[c]
                dx[i] = Float(g / count * (count * Double(dy[i]) - sumDy[c] - xhat * sumDyXhat[c]))
            } else {
                dx[i] = Float(g * Double(dy[i]))
            }
        }
        return (dx, sumDyXhat.map(Float.init), sumDy.map(Float.init))
    }

    /// Calls body(channel, flat index) for every element.
    private static func forEach(_ batch: Int, _ channels: Int, _ spatial: Int, _ body: (Int, Int) -> Void) {
        for n in 0..<batch {
            for c in 0..<channels {
                for s in 0..<spatial { body(c, (n * channels + c) * spatial + s) }
            }
        }
    }
}
