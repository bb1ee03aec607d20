import OpenCLKit

/// Turns 8-bit planes uploaded as bytes into float tensors on the device (kernel in `convert.cl`).
public enum ByteConversion {
    /// Uploads `bytes` (`count` planes of `height` x `width`) and returns the `[count, channels,
    /// height, width]` tensor of `fma(byte, scale, offset)`, each plane repeated `channels` times.
    public static func tensor(
        _ context: ComputeContext, bytes: [UInt8], count: Int, channels: Int, height: Int, width: Int,
        scale: Float, offset: Float
    ) throws -> Tensor {
        guard count >= 0, channels > 0, height > 0, width > 0 else {
            throw EngineError.invalidConfiguration(
                "ByteConversion: \(count) images of \(channels) x \(height) x \(width) is not a valid shape; counts must not be negative and sizes must be positive")
        }
        let plane = height * width
        guard bytes.count == count * plane else {
            throw EngineError.shapeMismatch("ByteConversion: \(bytes.count) bytes are not \(count) planes of \(height) x \(width)")
        }
        let output = try Tensor(context, shape: [count, channels, height, width])
        let n = output.count
        if n == 0 { return output }
        let source = try DeviceBuffer<UInt8>(context, count: bytes.count)
        try source.write(bytes)
        try context.launch(
            context.kernel("convert.cl", "bytes_to_float"), global: [n], local: [Pointwise.groupSize(context)],
            source, output.buffer, scale, offset, channels, plane, n)
        return output
    }
}
