/// Sizes of a square-window pooling over a batch of NCHW planes (`valid`, floor).
public struct PoolGeometry: Equatable, Sendable, CustomStringConvertible {
    public let batch: Int
    public let channels: Int
    public let height: Int
    public let width: Int
    public let size: Int
    public let stride: Int
    public let outHeight: Int
    public let outWidth: Int

    /// Validates the sizes; out = floor((in - size) / stride) + 1.
    public init(batch: Int, channels: Int, height: Int, width: Int, size: Int, stride: Int) throws {
        guard batch >= 1, channels >= 1, height >= 1, width >= 1 else {
            throw EngineError.invalidConfiguration("pooling input [\(batch), \(channels), \(height), \(width)] must have positive sizes")
        }
        guard size >= 1, stride >= 1 else {
            throw EngineError.invalidConfiguration("pooling window \(size) and stride \(stride) must be positive")
        }
        guard height >= size, width >= size else {
            throw EngineError.shapeMismatch(
                "pooling window \(size) does not fit the \(height) x \(width) input; use a smaller window or a larger input")
        }
        self.batch = batch
        self.channels = channels
        self.height = height
        self.width = width
        self.size = size
        self.stride = stride
        outHeight = (height - size) / stride + 1
        outWidth = (width - size) / stride + 1
    }

    public var inputShape: [Int] { [batch, channels, height, width] }
    public var outputShape: [Int] { [batch, channels, outHeight, outWidth] }
    var planes: Int { batch * channels }
    public var description: String { "pool \(inputShape) window \(size) stride \(stride) -> \(outputShape)" }
}
