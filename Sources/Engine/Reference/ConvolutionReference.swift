/// Plain-Swift direct convolution (no im2col): the oracle for the convolution kernels.
/// Arrays are NCHW / [F][C][KH][KW], sums in Double.
public enum ConvolutionReference {
    /// Forward: out[n][f][oh][ow] = bias[f] + sum over c, i, j of w[f][c][i][j] * x[n][c][y][x].
    public static func forward(input: [Float], weight: [Float], bias: [Float]?, geometry g: ConvGeometry) -> [Float] {
        var output = [Float](repeating: 0, count: g.outputShape.reduce(1, *))
        for n in 0..<g.batch {
            for f in 0..<g.filters {
                for oh in 0..<g.outHeight {
                    for ow in 0..<g.outWidth {
                        var sum = Double(bias?[f] ?? 0)
                        forEachTap(g, oh, ow) { c, i, j, y, x in
                            sum += Double(weight[weightIndex(g, f, c, i, j)]) * Double(input[inputIndex(g, n, c, y, x)])
                        }
                        output[outputIndex(g, n, f, oh, ow)] = Float(sum)
                    }
                }
            }
        }
        return output
    }

    /// Gradient with respect to the input, scattered from every output position.
    public static func backwardInput(outputGradient dy: [Float], weight: [Float], geometry g: ConvGeometry) -> [Float] {
        var dx = [Double](repeating: 0, count: g.inputShape.reduce(1, *))
        for n in 0..<g.batch {
            for f in 0..<g.filters {
                for oh in 0..<g.outHeight {
                    for ow in 0..<g.outWidth {
                        let gradient = Double(dy[outputIndex(g, n, f, oh, ow)])
                        forEachTap(g, oh, ow) { c, i, j, y, x in
                            dx[inputIndex(g, n, c, y, x)] += gradient * Double(weight[weightIndex(g, f, c, i, j)])
                        }
                    }
                }
            }
        }
        return dx.map { Float($0) }
    }

    /// Gradients of the weights [F][C][KH][KW] and the bias [F], summed over the batch.
    public static func backwardWeights(input: [Float], outputGradient dy: [Float], geometry g: ConvGeometry) -> (weight: [Float], bias: [Float]) {
        var dw = [Double](repeating: 0, count: g.weightShape.reduce(1, *))
        var db = [Double](repeating: 0, count: g.filters)
        for n in 0..<g.batch {
            for f in 0..<g.filters {
                for oh in 0..<g.outHeight {
                    for ow in 0..<g.outWidth {
                        let gradient = Double(dy[outputIndex(g, n, f, oh, ow)])
                        db[f] += gradient
                        forEachTap(g, oh, ow) { c, i, j, y, x in
                            dw[weightIndex(g, f, c, i, j)] += gradient * Double(input[inputIndex(g, n, c, y, x)])
                        }
                    }
                }
            }
        }
        return (dw.map { Float($0) }, db.map { Float($0) })
    }

    /// Calls `body(c, i, j, y, x)` for every kernel tap of output (oh, ow) that lands inside the input.
    private static func forEachTap(_ g: ConvGeometry, _ oh: Int, _ ow: Int, _ body: (Int, Int, Int, Int, Int) -> Void) {
        for c in 0..<g.inChannels {
            for i in 0..<g.kernelHeight {
                let y = oh * g.stride + i - g.padTop
                if y < 0 || y >= g.height { continue }
                for j in 0..<g.kernelWidth {
                    let x = ow * g.stride + j - g.padLeft
                    if x < 0 || x >= g.width { continue }
                    body(c, i, j, y, x)
                }
            }
        }
    }

    private static func inputIndex(_ g: ConvGeometry, _ n: Int, _ c: Int, _ y: Int, _ x: Int) -> Int {
        ((n * g.inChannels + c) * g.height + y) * g.width + x
    }
    private static func outputIndex(_ g: ConvGeometry, _ n: Int, _ f: Int, _ oh: Int, _ ow: Int) -> Int {
        ((n * g.filters + f) * g.outHeight + oh) * g.outWidth + ow
    }
    private static func weightIndex(_ g: ConvGeometry, _ f: Int, _ c: Int, _ i: Int, _ j: Int) -> Int {
        ((f * g.inChannels + c) * g.kernelHeight + i) * g.kernelWidth + j
    }
}
