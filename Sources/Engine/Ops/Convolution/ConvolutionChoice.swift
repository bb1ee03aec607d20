/// How a convolution pass picks its algorithm when neither a pin nor a tuned entry decides:
/// the device profile's rule, and the key of tuned entries.
public enum ConvolutionChoice {
    /// The key of `DeviceProfile.convolutionAlgorithms` for one pass of `g`: everything of the
    /// shape but the batch, e.g. `forward 3x128x128 f32 k3x3 s1 same`.
    public static func key(_ g: ConvGeometry, _ pass: ConvolutionPass) -> String {
        "\(pass.rawValue) \(g.inChannels)x\(g.height)x\(g.width) f\(g.filters) k\(g.kernelHeight)x\(g.kernelWidth) s\(g.stride) \(g.padding.rawValue)"
    }

    /// The profile's rule: where the profile fuses Winograd's transforms, Winograd takes the
    /// forward and input-gradient passes with at least `winogradMinimumChannels` channels in
    /// and out that run fused on the device with a tile grid mostly the plane's
    /// (`directUtilizationLimit`), and the weight gradients of such layers with planes of at
    /// most `winogradWeightGradientPixels` or that its fused kernel takes with at least
    /// `fusedWinogradWeightGradientChannels` input channels. Other stride-1 passes run on the
    /// direct kernels unless most of their tiles would be thrown away (tiny images); the weight
    /// gradient also needs planes of at least `directWeightGradientPixels`. Everything else
    /// takes im2col + GEMM.
    public static func rule(_ g: ConvGeometry, _ pass: ConvolutionPass, _ resources: ConvolutionResources) -> String {
        guard g.stride == 1 else { return "im2col" }
        let profile = resources.profile
        let localMemory = resources.context.device.localMemory
        if WinogradConvolution.ruleChooses(g, pass, profile, localMemory: localMemory) { return "winograd" }
        let direct: Bool
        switch pass {
        case .forward:
            direct = DirectConvolution.forwardProduct(g).utilization(
                tileColumns: resources.directTuning(for: g, pass: .forward).tileColumns) >= profile.directUtilizationLimit
        case .backwardInput:
            direct = DirectConvolution.backwardInputProduct(g).utilization(
                tileColumns: resources.directTuning(for: g, pass: .backwardInput).tileColumns) >= profile.directUtilizationLimit
        case .backwardWeights:
            direct = g.outputPixels >= profile.directWeightGradientPixels
        }
        return direct ? "direct" : "im2col"
    }
}
