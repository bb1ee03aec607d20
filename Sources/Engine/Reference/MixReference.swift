/// Plain-Swift mixing, the oracle for Kernels/mix.cl: inside the box the partner's pixel,
/// elsewhere weight * own + (1 - weight) * partner, one pixel at a time.
public enum MixReference {
    /// Applies `plan` to an NCHW `input`.
    public static func apply(_ input: [Float], shape: [Int], plan: MixingPlan) -> [Float] {
        precondition(shape.count == 4 && input.count == shape.reduce(1, *), "mixing needs an NCHW input")
        let (batch, channels, height, width) = (shape[0], shape[1], shape[2], shape[3])
        precondition(plan.partners.count == batch, "one partner per image")
        let planeSize = height * width
        var output = [Float](repeating: 0, count: input.count)
        for image in 0..<batch {
            let weight: Float = plan.boxes == nil ? plan.shares[image] : 1
            let box = plan.boxes?[image]
            for channel in 0..<channels {
                let own = (image * channels + channel) * planeSize
                let other = (plan.partners[image] * channels + channel) * planeSize
                for y in 0..<height {
                    for x in 0..<width {
                        let i = y * width + x
                        let inside = box.map { x >= $0.x0 && x < $0.x1 && y >= $0.y0 && y < $0.y1 } ?? false
                        let blended: Float = weight * input[own + i] + (1 - weight) * input[other + i]
                        output[own + i] = inside ? input[other + i] : blended
                    }
                }
            }
        }
        return output
    }
}
