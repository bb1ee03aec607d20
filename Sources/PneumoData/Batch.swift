/// A mini-batch ready for upload: the images' gray bytes, which the model's input
/// preprocessing turns into its input tensor on the device.
public struct Batch: Sendable {
    /// `count * side * side` bytes, image after image, row after row.
    public let pixels: [UInt8]
    /// One label per image (-1 for unlabelled images).
    public let labels: [Int]
    /// Positions of the images in the loader's image set.
    public let indices: [Int]
    public let side: Int

    public var count: Int { labels.count }
    /// Labels as floats, the form binary cross-entropy takes.
    public var targets: [Float] { labels.map(Float.init) }
}
