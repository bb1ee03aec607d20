/// Resizes 8-bit grayscale pixels to any size, separably (rows, then columns), in float.
/// Keeps its scratch memory and tap tables, so reuse one per thread.
final class GrayResampler {
    private var rowPass: [Float] = []
    private var accumulator: [Float] = []
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
        if rowPass.count < height * outputWidth { rowPass = [Float](repeating: 0, count: height * outputWidth) }
        rowPass.withUnsafeMutableBufferPointer { pass in
            let pass = pass.baseAddress!
            horizontal.weights.withUnsafeBufferPointer { weights in
                let n = horizontal.tapCount
                for y in 0..<height {
                    let row = source + y * width
                    let out = pass + y * outputWidth
                    for x in 0..<outputWidth {
                        let start = row + horizontal.starts[x]
                        var sum: Float = 0
                        for k in 0..<n { sum += weights[x * n + k] * Float(start[k]) }
                        out[x] = sum
                    }
                }
            }
            vertical.weights.withUnsafeBufferPointer { weights in
                let n = vertical.tapCount
                if accumulator.count < outputWidth { accumulator = [Float](repeating: 0, count: outputWidth) }
                accumulator.withUnsafeMutableBufferPointer { sums in
                    for y in 0..<outputHeight {
                        let first = pass + vertical.starts[y] * outputWidth
                        for x in 0..<outputWidth { sums[x] = 0 }
                        // Row by row, so the inner loop runs over contiguous memory and vectorises.
                        for k in 0..<n {
                            let w = weights[y * n + k]
                            let row = first + k * outputWidth
                            for x in 0..<outputWidth { sums[x] += w * row[x] }
                        }
                        let out = destination + y * outputWidth
                        for x in 0..<outputWidth { out[x] = UInt8(min(255, max(0, sums[x] + 0.5))) }
                    }
                }
            }
        }
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
