import OpenCLKit

/// One way to compute a 2-D convolution (direct, im2col + GEMM, Winograd, ...). The chooser
/// picks, per shape and pass, among the algorithms that support the shape, by the device
/// profile's tuning table.
public protocol ConvolutionAlgorithm: AnyObject {
    /// Stable name for tuning tables, benchmarks and overrides: "direct", "im2col", "winograd".
    var name: String { get }
    /// Whether this algorithm computes `geometry` (shape, stride, kernel size, padding).
    func supports(_ geometry: ConvGeometry) -> Bool
    /// output = conv(input, weight) + bias, all NCHW; bias (length F) is optional. Overwrites output.
    func forward(
        input: DeviceBuffer<Float>, weight: DeviceBuffer<Float>, bias: DeviceBuffer<Float>?,
        output: DeviceBuffer<Float>, geometry: ConvGeometry) throws
    /// Writes whichever gradients are given (each overwritten, never accumulated): the input
    /// gradient needs `weight`, the weight and bias gradients need `input`.
    func backward(
        input: DeviceBuffer<Float>?, outputGradient: DeviceBuffer<Float>, weight: DeviceBuffer<Float>?,
        inputGradient: DeviceBuffer<Float>?, weightGradient: DeviceBuffer<Float>?, biasGradient: DeviceBuffer<Float>?,
        geometry: ConvGeometry) throws
}
