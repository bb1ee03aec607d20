import OpenCLKit

extension Convolution {
    /// The forward pass (ReLU and kept weights as in `forward(…rectify:prepared:)`) on the max
    /// pooling of `input` by `pool`, whose output `geometry` reads, when the algorithm chosen
    /// for `geometry` pools as it reads its input (the direct kernels and fused Winograd, in
    /// their padding pass): true when done. False, with nothing run, when it does not: pool
    /// first, then `forward`.
    public func forwardPoolingInput(
        _ pool: PoolGeometry, input: DeviceBuffer<Float>, weight: DeviceBuffer<Float>, bias: DeviceBuffer<Float>?,
        output: DeviceBuffer<Float>, geometry g: ConvGeometry, rectify: Bool, prepared: PreparedWeights?
    ) throws -> Bool {
        let chosen = try algorithm(for: g, .forward)
        if let direct = chosen as? DirectConvolution {
            WorkLedger.record(context, product: ConvolutionShapes.product(g, .forward), convolution: g, pass: .forward)
            try direct.forward(pooling: pool, input: input, weight: weight, bias: bias, output: output, geometry: g, rectify: rectify, prepared: prepared)
            return true
        }
        guard let winograd = chosen as? WinogradConvolution,
              try winograd.forward(pooling: pool, input: input, weight: weight, bias: bias, output: output, geometry: g, rectify: rectify, prepared: prepared)
        else { return false }
        WorkLedger.record(context, product: ConvolutionShapes.product(g, .forward), convolution: g, pass: .forward)
        return true
    }
}
