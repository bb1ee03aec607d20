/// Plain-Swift pooling: the oracle for the pooling kernels. Arrays are NCHW.
public enum PoolingReference {
    /// Window maxima and, per output, the index (y * W + x) in its plane of the first maximum.
    public static func maxForward(_ x: [Float], geometry g: PoolGeometry) -> (output: [Float], argmax: [Int32]) {
        var output: [Float] = []
        var argmax: [Int32] = []
        for plane in 0..<(g.batch * g.channels) {
            for oh in 0..<g.outHeight {
                for ow in 0..<g.outWidth {
                    var best = (oh * g.stride) * g.width + ow * g.stride
                    for i in 0..<g.size {
                        for j in 0..<g.size {
                            let index = (oh * g.stride + i) * g.width + ow * g.stride + j
                            if x[plane * g.height * g.width + index] > x[plane * g.height * g.width + best] { best = index }
                        }
                    }
                    output.append(x[plane * g.height * g.width + best])
                    argmax.append(Int32(best))
                }
            }
        }
        return (output, argmax)
    }

    /// Each output gradient added to its window's first maximum.
    public static func maxBackward(_ dy: [Float], input x: [Float], geometry g: PoolGeometry) -> [Float] {
        let argmax = maxForward(x, geometry: g).argmax
        var dx = [Float](repeating: 0, count: g.inputShape.reduce(1, *))
        let outputs = g.outHeight * g.outWidth
        for plane in 0..<(g.batch * g.channels) {
            for o in 0..<outputs {
                dx[plane * g.height * g.width + Int(argmax[plane * outputs + o])] += dy[plane * outputs + o]
            }
        }
        return dx
    }

    /// Window means.
    public static func averageForward(_ x: [Float], geometry g: PoolGeometry) -> [Float] {
        var output: [Float] = []
        for plane in 0..<(g.batch * g.channels) {
            for oh in 0..<g.outHeight {
                for ow in 0..<g.outWidth {
                    var sum = 0.0
                    for i in 0..<g.size {
                        for j in 0..<g.size { sum += Double(x[(plane * g.height + oh * g.stride + i) * g.width + ow * g.stride + j]) }
                    }
                    output.append(Float(sum / Double(g.size * g.size)))
                }
            }
        }
        return output
    }

    /// Each output gradient spread evenly over its window.
    public static func averageBackward(_ dy: [Float], geometry g: PoolGeometry) -> [Float] {
        var dx = [Double](repeating: 0, count: g.inputShape.reduce(1, *))
        let share = 1.0 / Double(g.size * g.size)
        for plane in 0..<(g.batch * g.channels) {
            for oh in 0..<g.outHeight {
                for ow in 0..<g.outWidth {
                    let gradient = Double(dy[(plane * g.outHeight + oh) * g.outWidth + ow]) * share
                    for i in 0..<g.size {
                        for j in 0..<g.size { dx[(plane * g.height + oh * g.stride + i) * g.width + ow * g.stride + j] += gradient }
                    }
                }
            }
        }
        return dx.map { Float($0) }
    }

    /// Mean of each plane: [planes * pixels] -> [planes].
    public static func globalAverageForward(_ x: [Float], planes: Int, pixels: Int) -> [Float] {
        (0..<planes).map { plane in Float((0..<pixels).reduce(0.0) { $0 + Double(x[plane * pixels + $1]) } / Double(pixels)) }
    }

    /// Each plane's gradient spread evenly over its pixels.
    public static func globalAverageBackward(_ dy: [Float], planes: Int, pixels: Int) -> [Float] {
        (0..<(planes * pixels)).map { dy[$0 / pixels] / Float(pixels) }
    }
}
