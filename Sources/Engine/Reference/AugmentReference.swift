/// Plain-Swift augmentation, the oracle for Kernels/augment.cl: the same affine map,
/// bilinear sampling with clamped edges, and gain/bias, one pixel at a time.
public enum AugmentReference {
    /// Applies `parameters` (`AugmentationParameters.stride` per image) to an NCHW `input`.
    public static func apply(_ input: [Float], shape: [Int], parameters: [Float]) -> [Float] {
        precondition(shape.count == 4 && input.count == shape.reduce(1, *), "augment needs an NCHW input")
        let (batch, channels, height, width) = (shape[0], shape[1], shape[2], shape[3])
        precondition(parameters.count >= batch * AugmentationParameters.stride, "need \(AugmentationParameters.stride) parameters per image")
        var output = [Float](repeating: 0, count: input.count)
        let cx = 0.5 * Float(width - 1), cy = 0.5 * Float(height - 1)
        for plane in 0..<(batch * channels) {
            let p = Array(parameters[((plane / channels) * AugmentationParameters.stride)...].prefix(8))
            let base = plane * height * width
            for y in 0..<height {
                for x in 0..<width {
                    let dx = Float(x) - cx, dy = Float(y) - cy
                    let sx = min(max(p[0] * dx + p[1] * dy + cx + p[4], 0), Float(width - 1))
                    let sy = min(max(p[2] * dx + p[3] * dy + cy + p[5], 0), Float(height - 1))
                    let x0 = Int(sx.rounded(.down)), y0 = Int(sy.rounded(.down))
                    let x1 = min(x0 + 1, width - 1), y1 = min(y0 + 1, height - 1)
                    let fx = sx - Float(x0), fy = sy - Float(y0)
                    let top = input[base + y0 * width + x0] * (1 - fx) + input[base + y0 * width + x1] * fx
                    let bottom = input[base + y1 * width + x0] * (1 - fx) + input[base + y1 * width + x1] * fx
                    let value = top * (1 - fy) + bottom * fy
                    output[base + y * width + x] = min(max(value * p[6] + p[7], 0), 1)
                }
            }
        }
        return output
    }
}
