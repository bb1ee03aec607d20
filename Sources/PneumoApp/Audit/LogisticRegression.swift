import Foundation

/// A logistic regression fitted by Newton's method on standardised features, with a small
/// ridge penalty. Deterministic: no random start, no sampling.
///
/// The ridge keeps the Newton step solvable when features are collinear (log aspect ratio is
/// log width minus log height) or perfectly separate the classes, where plain maximum
/// likelihood has no finite solution.
public struct LogisticRegression: Codable, Equatable, Sendable {
    /// Per-feature mean and standard deviation of the training data.
    public var means: [Double]
    public var scales: [Double]
    /// Weights of the standardised features, then the intercept.
    public var coefficients: [Double]
    /// Newton iterations run.
    public var iterations: Int

    /// L2 penalty on the weights (not the intercept), per training example.
    public static let ridge = 1e-3

    /// Fits `labels` (0 or 1) on `features` (one row per example, all rows equally long).
    public static func fit(features: [[Double]], labels: [Int], maxIterations: Int = 100) throws -> LogisticRegression {
        guard let width = features.first?.count, features.count == labels.count else {
            throw AuditError.insufficientData("a logistic regression needs as many feature rows as labels, and at least one; got \(features.count) rows, \(labels.count) labels")
        }
        guard Set(labels) == [0, 1] else {
            throw AuditError.insufficientData("a logistic regression needs examples of both classes; the labels hold only \(Set(labels).sorted())")
        }
        let (means, scales) = standardisation(features, width: width)
        let rows = features.map { standardise($0, means: means, scales: scales) + [1] }
        var model = LogisticRegression(means: means, scales: scales, coefficients: [Double](repeating: 0, count: width + 1), iterations: 0)
        let penalty = ridge * Double(rows.count)
        while model.iterations < maxIterations {
            model.iterations += 1
            var gradient = [Double](repeating: 0, count: width + 1)
            var hessian = [[Double]](repeating: [Double](repeating: 0, count: width + 1), count: width + 1)
            for (row, label) in zip(rows, labels) {
                let p = sigmoid(dot(row, model.coefficients))
                for i in row.indices {
                    gradient[i] += (p - Double(label)) * row[i]
                    for j in row.indices { hessian[i][j] += p * (1 - p) * row[i] * row[j] }
                }
            }
            for i in 0..<width {
                gradient[i] += penalty * model.coefficients[i]
                hessian[i][i] += penalty
            }
            let step = try solve(hessian, gradient)
            for i in step.indices { model.coefficients[i] -= step[i] }
            if step.map(abs).max() ?? 0 < 1e-10 { break }
        }
        return model
    }

    /// P(class 1) for one feature row.
    public func probability(_ features: [Double]) -> Double {
        Self.sigmoid(Self.dot(Self.standardise(features, means: means, scales: scales) + [1], coefficients))
    }

    static func sigmoid(_ x: Double) -> Double {
        x >= 0 ? 1 / (1 + exp(-x)) : exp(x) / (1 + exp(x))
    }

    private static func dot(_ a: [Double], _ b: [Double]) -> Double {
        zip(a, b).reduce(0) { $0 + $1.0 * $1.1 }
    }

    private static func standardisation(_ rows: [[Double]], width: Int) -> (means: [Double], scales: [Double]) {
        let count = Double(rows.count)
        let means = (0..<width).map { column in rows.reduce(0) { $0 + $1[column] } / count }
        let scales = (0..<width).map { column -> Double in
            let variance = rows.reduce(0) { $0 + pow($1[column] - means[column], 2) } / count
            // A constant feature carries nothing; scale 1 keeps it at 0 instead of dividing by 0.
            return variance > 1e-24 ? variance.squareRoot() : 1
        }
        return (means, scales)
    }

    private static func standardise(_ row: [Double], means: [Double], scales: [Double]) -> [Double] {
        row.indices.map { (row[$0] - means[$0]) / scales[$0] }
    }

    /// Solves `matrix * x = vector` by Gaussian elimination with partial pivoting.
    private static func solve(_ matrix: [[Double]], _ vector: [Double]) throws -> [Double] {
        var a = matrix, b = vector
        let n = b.count
        for column in 0..<n {
            let pivot = (column..<n).max { abs(a[$0][column]) < abs(a[$1][column]) }!
            guard abs(a[pivot][column]) > 1e-300 else {
                throw AuditError.insufficientData("the logistic regression's Newton step is singular; the features may all be constant")
            }
            a.swapAt(column, pivot)
            b.swapAt(column, pivot)
            for row in (column + 1)..<n {
                let factor = a[row][column] / a[column][column]
                for k in column..<n { a[row][k] -= factor * a[column][k] }
                b[row] -= factor * b[column]
            }
        }
        var x = [Double](repeating: 0, count: n)
        for row in stride(from: n - 1, through: 0, by: -1) {
            let rest = ((row + 1)..<n).reduce(0) { $0 + a[row][$1] * x[$1] }
            x[row] = (b[row] - rest) / a[row][row]
        }
        return x
    }
}
