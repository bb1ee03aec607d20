import OpenCLKit

extension Convolution {
    /// The forward pass (ReLU and kept weights as in `forward(…rectify:prepared:)`) on the max
    /// pooling of `input` by `pool`, whose output `geometry` reads, when the algorithm chosen
    /// for `geometry` pools as it reads its input (the direct kernels, in their padding pass):
    /// true when done. False, with nothing run, when it does not: pool first, then `forward`.
    public func forwardPoolingInput(
        _ pool: PoolGeometry, input: DeviceBuffer<Float>, weight: DeviceBuffer<Float>, bias: DeviceBuffer<Float>?,
        output: DeviceBuffer<Float>, geometry g: ConvGeometry, rectify: Bool, prepared: PreparedWeights?
    ) throws -> Bool {
        guard let direct = try algorithm(for: g, .forward) as? DirectConvolution else { return false }
        WorkLedger.record(context, product: ConvolutionShapes.product(g, .forward), convolution: g, pass: .forward)
        try direct.forward(pooling: pool, input: input, weight: weight, bias: bias, output: output, geometry: g, rectify: rectify, prepared: prepared)
        return true
    }
}
