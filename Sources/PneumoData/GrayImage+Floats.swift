extension GrayImage {
    /// The pixels as model input: float32 in [0, 1], the gray plane repeated `channels` times
    /// (CHW for one image; a batch of one is NCHW), as `BatchLoader` prepares training batches.
    public func floatValues(channels: Int = 1) -> [Float] {
        precondition(channels > 0, "channels must be at least 1")
        let plane = pixels.map { Float($0) * (1 / 255) }
        return Array([[Float]](repeating: plane, count: channels).joined())
    }
}
