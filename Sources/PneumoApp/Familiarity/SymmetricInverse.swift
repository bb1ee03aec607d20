/// The inverse of a symmetric positive-definite matrix by Cholesky factorisation, in Double on
/// the host (the familiarity check's covariance: at most a few hundred rows, once per fit).
enum SymmetricInverse {
    /// `matrix` (row-major, `dimension` x `dimension`, symmetric) inverted; throws when it is
    /// not positive definite.
    static func inverse(_ matrix: [Double], dimension n: Int) throws -> [Double] {
        precondition(matrix.count == n * n, "a \(n) x \(n) matrix needs \(n * n) values")
        // A = L Lᵀ, L lower triangular.
        var l = [Double](repeating: 0, count: n * n)
        for j in 0..<n {
            var diagonal = matrix[j * n + j]
            for k in 0..<j { diagonal -= l[j * n + k] * l[j * n + k] }
            guard diagonal > 0, diagonal.isFinite else {
                throw FamiliarityError.unsupported("the feature covariance is not positive definite (pivot \(j): \(diagonal))")
            }
            let pivot = diagonal.squareRoot()
            l[j * n + j] = pivot
            for i in (j + 1)..<max(j + 1, n) {
                var value = matrix[i * n + j]
                for k in 0..<j { value -= l[i * n + k] * l[j * n + k] }
                l[i * n + j] = value / pivot
            }
        }
        // L⁻¹ by forward substitution, column by column.
        var lInverse = [Double](repeating: 0, count: n * n)
        for column in 0..<n {
            lInverse[column * n + column] = 1 / l[column * n + column]
            for i in (column + 1)..<max(column + 1, n) {
                var value = 0.0
                for k in column..<i { value -= l[i * n + k] * lInverse[k * n + column] }
                lInverse[i * n + column] = value / l[i * n + i]
            }
        }
        // A⁻¹ = L⁻ᵀ L⁻¹.
        var result = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in i..<n {
                var value = 0.0
                for k in j..<n { value += lInverse[k * n + i] * lInverse[k * n + j] }
                result[i * n + j] = value
                result[j * n + i] = value
            }
        }
        return result
    }
}
