/// Plain-Swift local contrast, the oracle for Kernels/local_contrast.cl: the box mean taken
/// directly over the whole (2r + 1)^2 window with edges repeated (not by separable passes),
/// in float64.
public enum LocalContrastReference {
    public static func apply(_ input: [Float], shape: [Int], amounts: [Float]) -> [Float] {
        precondition(shape.count == 4 && input.count == shape.reduce(1, *), "local contrast needs an NCHW input")
        let (batch, channels, height, width) = (shape[0], shape[1], shape[2], shape[3])
        precondition(amounts.count == batch, "one amount per image")
        let radius = LocalContrast.radius(height: height, width: width)
        let window = Double((2 * radius + 1) * (2 * radius + 1))
        var output = input
        for plane in 0..<(batch * channels) where amounts[plane / channels] != 0 {
            let amount = Double(amounts[plane / channels]), base = plane * height * width
            for y in 0..<height {
                for x in 0..<width {
                    var sum = 0.0
                    for dy in -radius...radius {
                        let row = min(max(y + dy, 0), height - 1)
                        for dx in -radius...radius { sum += Double(input[base + row * width + min(max(x + dx, 0), width - 1)]) }
                    }
                    let value = Double(input[base + y * width + x])
                    output[base + y * width + x] = Float(min(max(value + amount * (value - sum / window), 0), 1))
                }
            }
        }
        return output
    }
}
