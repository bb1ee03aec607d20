import Foundation

/// Bilinear resampling of square planes under a shift and a zoom about the centre, edges
/// repeated: the copies test-time augmentation scores.
///
/// The map is separable (a column's source depends on x alone, a row's on y alone), so the
/// neighbours and weights are worked out once per axis rather than once per pixel, and planes
/// are resampled in parallel. The arithmetic per pixel is the per-pixel formula's, in the same
/// order, so the result is the same to the bit (`PlaneResamplerTests` holds that formula).
struct PlaneResampler {
    /// For each output position along one axis: the two source neighbours and the second one's weight.
    struct AxisTaps {
        var low: [Int] = []
        var high: [Int] = []
        var weight: [Double] = []

        /// Output position i samples source (i − shift·side − centre) / scale + centre, clamped to the plane.
        init(side: Int, shift: Double, scale: Double) {
            let centre = Double(side - 1) / 2
            for index in 0..<side {
                let source = (Double(index) - shift * Double(side) - centre) / scale + centre
                let clamped = min(max(source, 0), Double(side - 1))
                let below = Int(clamped)
                low.append(below)
                high.append(min(below + 1, side - 1))
                weight.append(clamped - Double(below))
            }
        }
    }

    let side: Int
    let columns: AxisTaps
    let rows: AxisTaps

    init(side: Int, shiftX: Double, shiftY: Double, scale: Double) {
        self.side = side
        columns = AxisTaps(side: side, shift: shiftX, scale: scale)
        rows = AxisTaps(side: side, shift: shiftY, scale: scale)
    }

    /// Every `side` x `side` plane of the first `planes` in `source` resampled; gray bytes are
    /// rounded half away from zero back to bytes, prepared values kept as floats.
    func resample<Element: ResampledSample>(_ source: [Element], planes: Int) -> [Element] {
        let plane = side * side
        precondition(source.count >= planes * plane, "resampling \(planes) planes of \(side)x\(side) from \(source.count) values")
        var result = source
        // Chunks of whole planes, a few per core, so a batch's copies share the cores.
        let chunk = max(1, planes / (ProcessInfo.processInfo.activeProcessorCount * 4))
        let chunks = (planes + chunk - 1) / chunk
        source.withUnsafeBufferPointer { input in
            result.withUnsafeMutableBufferPointer { output in
                let output = output
                DispatchQueue.concurrentPerform(iterations: chunks) { chunkIndex in
                    for index in (chunkIndex * chunk)..<min(planes, (chunkIndex + 1) * chunk) {
                        resamplePlane(input, into: output, base: index * plane)
                    }
                }
            }
        }
        return result
    }

    @inline(__always)
    private func resamplePlane<Element: ResampledSample>(
        _ input: UnsafeBufferPointer<Element>, into output: UnsafeMutableBufferPointer<Element>, base: Int
    ) {
        for y in 0..<side {
            let upper = base + rows.low[y] * side, lower = base + rows.high[y] * side
            let fy = rows.weight[y]
            let row = base + y * side
            for x in 0..<side {
                let left = columns.low[x], right = columns.high[x]
                let fx = columns.weight[x]
                let top = input[upper + left].sampleValue * (1 - fx) + input[upper + right].sampleValue * fx
                let bottom = input[lower + left].sampleValue * (1 - fx) + input[lower + right].sampleValue * fx
                output[row + x] = Element.storing(top * (1 - fy) + bottom * fy)
            }
        }
    }
}

/// The two element types images come in (gray bytes, prepared floats), read and written as Double.
protocol ResampledSample {
    var sampleValue: Double { get }
    static func storing(_ value: Double) -> Self
}

extension Float: ResampledSample {
    var sampleValue: Double { Double(self) }
    static func storing(_ value: Double) -> Float { Float(value) }
}

extension UInt8: ResampledSample {
    var sampleValue: Double { Double(self) }

    /// `value.rounded()` clamped to a byte, without libm's `round` call: for values ≥ 0,
    /// `value − floor(value)` is exact, so comparing it with 0.5 rounds half up as `rounded()` does.
    static func storing(_ value: Double) -> UInt8 {
        guard value > 0 else { return 0 }
        let floor = value.rounded(.down)
        let rounded = value - floor >= 0.5 ? floor + 1 : floor
        return UInt8(Swift.min(255, rounded))
    }
}
