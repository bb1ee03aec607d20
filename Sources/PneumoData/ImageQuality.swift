import Foundation

/// What can be measured of one input image, for deciding whether a model's answer on it can be
/// trusted: the file (size, header, decoder warnings) and the decoded picture the model sees.
public struct ImageQualityMeasures: Equatable, Sendable {
    /// Width and height of the original image, from its header.
    public var width: Int
    public var height: Int
    /// Size of the compressed file in bytes.
    public var fileBytes: Int
    /// The decoder's warning, nil when the image decoded cleanly.
    public var decoderWarning: String?
    /// Standard deviation of the decoded pixel values (0-255).
    public var contrast: Double
    /// Shannon entropy of the decoded pixel values' histogram, in bits (at most 8).
    public var entropy: Double
    /// Share of 8 x 8 blocks of the decoded image with no visible structure (max - min <= 2).
    public var flatShare: Double
    /// A DICOM file: its size counts the dataset and often uncompressed pixels, so bits per
    /// pixel says nothing about filler, and its length is checked against the image instead.
    public var isDICOM = false

    /// Compressed bits per original pixel: a header that claims a large picture over a few bytes
    /// describes mostly filler.
    public var bitsPerPixel: Double { Double(fileBytes) * 8 / Double(max(1, width * height)) }
    /// Width over height of the original.
    public var aspectRatio: Double { Double(width) / Double(max(1, height)) }

    /// Measures `pixels`, the decoded `side` x `side` image the model sees, with what the file said.
    public init(header: JPEGHeader, fileBytes: Int, decoderWarning: String?, pixels: UnsafeBufferPointer<UInt8>, side: Int) {
        width = header.width
        height = header.height
        self.fileBytes = fileBytes
        self.decoderWarning = decoderWarning
        var histogram = [Int](repeating: 0, count: 256)
        for value in pixels { histogram[Int(value)] += 1 }
        let count = Double(max(1, pixels.count))
        var mean = 0.0
        for (value, times) in histogram.enumerated() { mean += Double(value * times) }
        mean /= count
        var variance = 0.0, entropy = 0.0
        for (value, times) in histogram.enumerated() where times > 0 {
            let p = Double(times) / count
            variance += p * (Double(value) - mean) * (Double(value) - mean)
            entropy -= p * log2(p)
        }
        contrast = variance.squareRoot()
        self.entropy = entropy
        flatShare = Self.flatShare(pixels, side: side)
    }

    /// Creates measures from known values (tests, reports).
    public init(width: Int, height: Int, fileBytes: Int, decoderWarning: String? = nil,
                contrast: Double, entropy: Double, flatShare: Double) {
        self.width = width
        self.height = height
        self.fileBytes = fileBytes
        self.decoderWarning = decoderWarning
        self.contrast = contrast
        self.entropy = entropy
        self.flatShare = flatShare
    }

    private static func flatShare(_ pixels: UnsafeBufferPointer<UInt8>, side: Int) -> Double {
        let blocks = side / 8
        guard blocks > 0, pixels.count >= side * side else { return 0 }
        var flat = 0
        for blockRow in 0..<blocks {
            for blockColumn in 0..<blocks {
                var low = UInt8.max, high = UInt8.min
                for row in (blockRow * 8)..<(blockRow * 8 + 8) {
                    let start = row * side + blockColumn * 8
                    for value in pixels[start..<(start + 8)] {
                        low = min(low, value)
                        high = max(high, value)
                    }
                }
                if high - low <= 2 { flat += 1 }
            }
        }
        return Double(flat) / Double(blocks * blocks)
    }
}
