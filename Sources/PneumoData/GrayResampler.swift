/// Resizes 8-bit grayscale pixels to any size, separably, in float: for each output row the
/// source rows are blended first (contiguous, vectorised), then that one row is resampled
/// across. Keeps its scratch row and tap tables, so reuse one per thread.
final class GrayResampler {
    private var blendedRow: [Float] = []
    private var horizontalCache: (source: Int, destination: Int, taps: ResampleTaps)?
    private var verticalCache: (source: Int, destination: Int, taps: ResampleTaps)?

    /// Resizes `source` (`width` x `height`, tightly packed) into `destination`
    /// (`outputWidth` x `outputHeight`).
    func resize(
        _ source: UnsafePointer<UInt8>, width: Int, height: Int,
        into destination: UnsafeMutablePointer<UInt8>, outputWidth: Int, outputHeight: Int
    ) {
        if width == outputWidth && height == outputHeight {
            destination.update(from: source, count: width * height)
            return
        }
        let horizontal = taps(&horizontalCache, source: width, destination: outputWidth)
        let vertical = taps(&verticalCache, source: height, destination: outputHeight)
        if blendedRow.count < width { blendedRow = [Float](repeating: 0, count: width) }
        blendedRow.withUnsafeMutableBufferPointer { rowBuffer in
            let row = rowBuffer.baseAddress!
            vertical.weights.withUnsafeBufferPointer { verticalWeights in
                horizontal.weights.withUnsafeBufferPointer { horizontalWeights in
                    horizontal.starts.withUnsafeBufferPointer { horizontalStarts in
                        let n = vertical.tapCount, m = horizontal.tapCount
                        for y in 0..<outputHeight {
                            let first = source + vertical.starts[y] * width
                            let w0 = verticalWeights[y * n]
                            for x in 0..<width { row[x] = w0 * Float(first[x]) }
                            for k in 1..<max(1, n) {
                                let w = verticalWeights[y * n + k]
                                let line = first + k * width
                                for x in 0..<width { row[x] += w * Float(line[x]) }
                            }
                            let out = destination + y * outputWidth
                            var weight = horizontalWeights.baseAddress!
                            for x in 0..<outputWidth {
                                let start = row + horizontalStarts[x]
                                var sum: Float = 0
                                for k in 0..<m { sum += weight[k] * start[k] }
                                weight += m
                                out[x] = GrayResampler.roundToByte(sum)
                            }
                        }
                    }
                }
            }
        }
    }

    /// Rounds a blend of byte values (so within [0, 255] up to float error) to the nearest
    /// byte. Adding 1.5 * 2^23 leaves the rounded integer in the low mantissa bits, which
    /// avoids the checked float-to-integer conversion in the innermost loop.
    @inline(__always)
    static func roundToByte(_ value: Float) -> UInt8 {
        let clamped = min(max(value, 0), 255)
        return UInt8(truncatingIfNeeded: (clamped + 12_582_912).bitPattern)
    }

    private func taps(
        _ cache: inout (source: Int, destination: Int, taps: ResampleTaps)?, source: Int, destination: Int
    ) -> ResampleTaps {
        if let cached = cache, cached.source == source, cached.destination == destination { return cached.taps }
        let made = ResampleTaps(source: source, destination: destination)
        cache = (source, destination, made)
        return made
    }
}
