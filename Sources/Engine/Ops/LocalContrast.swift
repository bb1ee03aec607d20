import OpenCLKit

/// Local-contrast augmentation on the device (Kernels/local_contrast.cl): each image gets an
/// unsharp mask of its own strength, `clamp(x + amount * (x - boxBlur(x)), 0, 1)`.
public enum LocalContrast {
    /// The box's half side for an image: a sixteenth of its shorter side (8 pixels at 128), the
    /// scale of ribs and of the patches of consolidation, well below the lungs' own size.
    public static func radius(height: Int, width: Int) -> Int { max(1, min(height, width) / 16) }

    /// A new NCHW tensor with `amounts[n]` applied to every channel of image n.
    public static func apply(_ input: Tensor, amounts: [Float]) throws -> Tensor {
        guard input.shape.count == 4 else { throw EngineError.shapeMismatch("local contrast needs NCHW input, got \(input.shape)") }
        let (batch, channels, height, width) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
        guard amounts.count == batch else {
            throw EngineError.shapeMismatch("local contrast needs one amount per image (\(batch)), got \(amounts.count)")
        }
        let context = input.context
        let output = try Tensor(context, shape: input.shape)
        if input.count == 0 { return output }
        let defines = ["RADIUS": radius(height: height, width: width)]
        let columns = try Tensor(context, shape: input.shape)
        let amountBuffer = try DeviceBuffer<Float>(context, amounts)
        let planes = batch * channels
        // 32 work-items a group: measured fastest of 8-32 on PoCL (one sliding window each).
        try context.launch(try context.kernel("local_contrast.cl", "local_contrast_columns", defines: defines),
                           global: [width, planes], local: [32, 1], input.buffer, columns.buffer, planes, height, width)
        try context.launch(try context.kernel("local_contrast.cl", "local_contrast_apply", defines: defines),
                           global: [height, planes], local: [32, 1],
                           input.buffer, columns.buffer, amountBuffer, output.buffer, channels, planes, height, width)
        return output
    }
}
