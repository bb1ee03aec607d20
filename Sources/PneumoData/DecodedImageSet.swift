/// Decoded, resized images held as uint8 in memory, one per sample, in sample order.
public struct DecodedImageSet: Sendable {
    /// Width and height of every image.
    public let side: Int
    public let samples: [ImageSample]
    /// `count * side * side` bytes, image after image.
    public let pixels: [UInt8]

    public init(side: Int, samples: [ImageSample], pixels: [UInt8]) {
        precondition(pixels.count == samples.count * side * side, "pixel count does not match \(samples.count) images of \(side)x\(side)")
        self.side = side
        self.samples = samples
        self.pixels = pixels
    }

    public var count: Int { samples.count }
    /// Labels per image; -1 marks an unlabelled image.
    public var labels: [Int] { samples.map { $0.label ?? -1 } }

    /// Image `index` as a value.
    public func image(at index: Int) -> GrayImage {
        let size = side * side
        return GrayImage(width: side, height: side, pixels: Array(pixels[(index * size)..<((index + 1) * size)]))
    }

    /// The images at `indices`, in that order.
    public func subset(_ indices: [Int]) -> DecodedImageSet {
        let size = side * side
        var chosen = [UInt8]()
        chosen.reserveCapacity(indices.count * size)
        for index in indices { chosen += pixels[(index * size)..<((index + 1) * size)] }
        return DecodedImageSet(side: side, samples: indices.map { samples[$0] }, pixels: chosen)
    }

    /// Splits off a validation set grouped by patient and stratified by class
    /// (see `ValidationSplit.grouped`).
    public func splittingValidation(fraction: Double, seed: UInt64) throws -> (train: DecodedImageSet, validation: DecodedImageSet) {
        let (train, validation) = try ValidationSplit.grouped(samples, fraction: fraction, seed: seed)
        return (subset(train), subset(validation))
    }
}
