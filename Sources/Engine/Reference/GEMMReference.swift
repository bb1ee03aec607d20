/// Plain-Swift matrix products: the oracle the GEMM kernels are tested against.
public enum GEMMReference {
    /// C = alpha * op(A) * op(B) + beta * C (+ bias), row-major, one batch item; sums in Double.
    /// `rowBias` (length m) or `columnBias` (length n) is added after the product, as the kernels do.
    public static func multiply(
        m: Int, n: Int, k: Int, alpha: Float = 1,
        a: [Float], offsetA: Int = 0, lda: Int, transposeA: Bool = false,
        b: [Float], offsetB: Int = 0, ldb: Int, transposeB: Bool = false,
        beta: Float = 0, c: inout [Float], offsetC: Int = 0, ldc: Int,
        rowBias: [Float]? = nil, columnBias: [Float]? = nil
    ) {
        for i in 0..<m {
            for j in 0..<n {
                var sum = 0.0
                for p in 0..<k {
                    let x = transposeA ? a[offsetA + p * lda + i] : a[offsetA + i * lda + p]
                    let y = transposeB ? b[offsetB + j * ldb + p] : b[offsetB + p * ldb + j]
                    sum += Double(x) * Double(y)
                }
                var value = Double(alpha) * sum + Double(rowBias?[i] ?? 0) + Double(columnBias?[j] ?? 0)
                if beta != 0 { value += Double(beta) * Double(c[offsetC + i * ldc + j]) }
                c[offsetC + i * ldc + j] = Float(value)
            }
        }
    }

    /// The m x n product of a row-major m x k matrix and a row-major k x n matrix.
    public static func matmul(_ a: [Float], _ b: [Float], m: Int, n: Int, k: Int) -> [Float] {
        var c = [Float](repeating: 0, count: m * n)
        multiply(m: m, n: n, k: k, a: a, lda: k, b: b, ldb: n, c: &c, ldc: n)
        return c
    }

    /// out[j] = sum over rows of x[i * columns + j]: the bias gradient of a dense layer.
    public static func sumColumns(_ x: [Float], rows: Int, columns: Int) -> [Float] {
        (0..<columns).map { j in Float((0..<rows).reduce(0.0) { $0 + Double(x[$1 * columns + j]) }) }
    }
}
