/// A mini-batch ready for upload: images as float32 in [0, 1], NCHW.
public struct Batch: Sendable {
    /// `count * channels * side * side` values, image after image, channel after channel.
    public let images: [Float]
    /// One label per image (-1 for unlabelled images).
    public let labels: [Int]
    /// Positions of the images in the loader's image set.
    public let indices: [Int]
    public let channels: Int
    public let side: Int

    public var count: Int { labels.count }
    /// `[count, channels, side, side]`.
    public var shape: [Int] { [count, channels, side, side] }
    /// Labels as floats, the form binary cross-entropy takes.
    public var targets: [Float] { labels.map(Float.init) }
}
