/// How a convolution treats the border.
public enum Padding: String, Sendable, Codable, CaseIterable {
    /// No padding: out = floor((in - k) / stride) + 1.
    case valid
    /// TensorFlow's `same`: out = ceil(in / stride); the padding total is split with the
    /// smaller half before (top/left) and the rest after.
    case same
}

/// Sizes of one 2-D convolution over a batch (NCHW input, weights [F][C][KH][KW]).
public struct ConvGeometry: Equatable, Sendable, CustomStringConvertible {
    public let batch: Int
    public let inChannels: Int
    public let height: Int
    public let width: Int
    public let filters: Int
    public let kernelHeight: Int
    public let kernelWidth: Int
    public let stride: Int
    public let padding: Padding
    public let outHeight: Int
    public let outWidth: Int
    /// Zero rows above / columns left of the input (the rest of the padding goes below/right).
    public let padTop: Int
    public let padLeft: Int

    /// Validates the sizes and derives the output size and padding.
    public init(
        batch: Int, inChannels: Int, height: Int, width: Int, filters: Int,
        kernelHeight: Int, kernelWidth: Int, stride: Int, padding: Padding
    ) throws {
        guard batch >= 1, inChannels >= 1, height >= 1, width >= 1, filters >= 1 else {
            throw EngineError.invalidConfiguration(
                "convolution sizes must be positive: batch \(batch), channels \(inChannels), \(height) x \(width), filters \(filters)")
        }
        guard kernelHeight >= 1, kernelWidth >= 1, stride >= 1 else {
            throw EngineError.invalidConfiguration("convolution kernel \(kernelHeight) x \(kernelWidth) and stride \(stride) must be positive")
        }
        let rows = try ConvGeometry.outputSize(input: height, kernel: kernelHeight, stride: stride, padding: padding, axis: "height")
        let columns = try ConvGeometry.outputSize(input: width, kernel: kernelWidth, stride: stride, padding: padding, axis: "width")
        self.batch = batch
        self.inChannels = inChannels
        self.height = height
        self.width = width
        self.filters = filters
        self.kernelHeight = kernelHeight
        self.kernelWidth = kernelWidth
        self.stride = stride
        self.padding = padding
        (outHeight, padTop) = rows
        (outWidth, padLeft) = columns
    }

    /// Output length and padding before, along one axis.
    public static func outputSize(input: Int, kernel: Int, stride: Int, padding: Padding, axis: String = "axis") throws -> (size: Int, padBefore: Int) {
        switch padding {
        case .valid:
            guard input >= kernel else {
                throw EngineError.shapeMismatch(
                    "input \(axis) \(input) is smaller than the kernel (\(kernel)) with `valid` padding; use `same` padding or a larger input")
            }
            return ((input - kernel) / stride + 1, 0)
        case .same:
            let size = (input + stride - 1) / stride
            let total = max((size - 1) * stride + kernel - input, 0)
            return (size, total / 2)
        }
    }

    /// Input [N, C, H, W].
    public var inputShape: [Int] { [batch, inChannels, height, width] }
    /// Output [N, F, OH, OW].
    public var outputShape: [Int] { [batch, filters, outHeight, outWidth] }
    /// Weights [F, C, KH, KW].
    public var weightShape: [Int] { [filters, inChannels, kernelHeight, kernelWidth] }
    /// Rows of the im2col matrix: C * KH * KW.
    public var patchSize: Int { inChannels * kernelHeight * kernelWidth }
    /// Output pixels per image: OH * OW.
    public var outputPixels: Int { outHeight * outWidth }

    public var description: String {
        "conv \(inputShape) * \(weightShape) stride \(stride) \(padding) -> \(outputShape)"
    }
}
