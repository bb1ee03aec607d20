import Foundation

/// Plain-Swift augmentation, the oracle for Kernels/augment.cl: the same affine map,
/// bilinear sampling with clamped edges, gamma (in float64), gain/bias and the erased
/// rectangle, one pixel at a time.
public enum AugmentReference {
    /// Applies `parameters` (`AugmentationParameters.stride` per image) to an NCHW `input`.
    public static func apply(_ input: [Float], shape: [Int], parameters: [Float]) -> [Float] {
        precondition(shape.count == 4 && input.count == shape.reduce(1, *), "augment needs an NCHW input")
        let (batch, channels, height, width) = (shape[0], shape[1], shape[2], shape[3])
        precondition(parameters.count >= batch * AugmentationParameters.stride, "need \(AugmentationParameters.stride) parameters per image")
        var output = [Float](repeating: 0, count: input.count)
        let cx = 0.5 * Float(width - 1), cy = 0.5 * Float(height - 1)
        for plane in 0..<(batch * channels) {
            let p = Array(parameters[((plane / channels) * AugmentationParameters.stride)...].prefix(AugmentationParameters.stride))
            let erased = (x: Int(p[9])..<max(Int(p[9]), Int(p[11])), y: Int(p[10])..<max(Int(p[10]), Int(p[12])))
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
                    var value = top * (1 - fy) + bottom * fy
                    if p[8] != 1 { value = Float(Foundation.pow(Double(min(max(value, 0), 1)), Double(p[8]))) }
                    var result = min(max(value * p[6] + p[7], 0), 1)
                    if erased.x.contains(x), erased.y.contains(y) {
                        result = AugmentationParameters.eraseNoise(seed: UInt32(p[13]), pixel: UInt32(y * width + x))
                    }
                    output[base + y * width + x] = result
                }
            }
        }
        return output
    }
}
