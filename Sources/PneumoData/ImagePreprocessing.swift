/// How files become model input: decoded to grayscale and resized to `side` x `side`.
/// Part of the decoded-image cache key, so changing it never reuses stale pixels.
public struct ImagePreprocessing: Equatable, Hashable, Sendable, Codable {
    /// Output width and height in pixels (the aspect ratio is not kept, as in the Keras notebook).
    public var side: Int
    /// Headers announcing more pixels than this are refused.
    public var maxPixels: Int

    public init(side: Int, maxPixels: Int = JPEGDecoder.defaultMaxPixels) {
        self.side = side
        self.maxPixels = maxPixels
    }

    /// A stable text form for cache keys; bump `version` when the decode or resize changes.
    var cacheIdentity: String { "decode=turbojpeg-gray-dct-area-v1 side=\(side) maxPixels=\(maxPixels)" }
}
