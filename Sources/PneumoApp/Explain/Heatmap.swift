/// A grid of non-negative weights saying where a model looked, rows top to bottom.
public struct Heatmap: Equatable, Sendable {
    /// Columns.
    public let width: Int
    /// Rows.
    public let height: Int
    /// `width * height` values, row-major.
    public let values: [Float]

    /// Wraps `values`; their count must be `width * height`.
    public init(width: Int, height: Int, values: [Float]) throws {
        guard width >= 1, height >= 1, values.count == width * height else {
            throw ExplainError.invalidHeatmap("a \(width)x\(height) heatmap needs \(max(0, width * height)) values, got \(values.count)")
        }
        self.width = width
        self.height = height
        self.values = values
    }

    /// The value at column `x`, row `y`.
    public subscript(x: Int, y: Int) -> Float { values[y * width + x] }

    /// The position of the largest value (the first one on ties), as (column, row).
    public var peak: (x: Int, y: Int) {
        var best = 0
        for index in values.indices where values[index] > values[best] { best = index }
        return (best % width, best / width)
    }

    /// The same map resampled to `newWidth` x `newHeight` by bilinear interpolation, with
    /// pixel centres aligned (PyTorch's `align_corners=False`) and edges clamped.
    public func resized(width newWidth: Int, height newHeight: Int) throws -> Heatmap {
        guard newWidth >= 1, newHeight >= 1 else {
            throw ExplainError.invalidHeatmap("cannot resize a heatmap to \(newWidth)x\(newHeight)")
        }
        let columns = Self.taps(from: width, to: newWidth)
        let rows = Self.taps(from: height, to: newHeight)
        var output = [Float](repeating: 0, count: newWidth * newHeight)
        for (y, row) in rows.enumerated() {
            let top = row.low * width, bottom = row.high * width
            for (x, column) in columns.enumerated() {
                let upper = values[top + column.low] * (1 - column.weight) + values[top + column.high] * column.weight
                let lower = values[bottom + column.low] * (1 - column.weight) + values[bottom + column.high] * column.weight
                output[y * newWidth + x] = upper * (1 - row.weight) + lower * row.weight
            }
        }
        return try Heatmap(width: newWidth, height: newHeight, values: output)
    }

    /// The map divided by its maximum, so the strongest evidence is 1 and none stays 0; an
    /// all-zero map (nothing spoke for the class) stays all zero.
    public func normalized() -> Heatmap {
        let top = values.max() ?? 0
        guard top > 0, top.isFinite else {
            // Unchecked init is safe: same size as self.
            return Heatmap(unchecked: width, height, [Float](repeating: 0, count: values.count))
        }
        return Heatmap(unchecked: width, height, values.map { max(0, $0 / top) })
    }

    private init(unchecked width: Int, _ height: Int, _ values: [Float]) {
        self.width = width
        self.height = height
        self.values = values
    }

    /// For each output position along one axis: the two source positions and the weight of the second.
    private static func taps(from source: Int, to target: Int) -> [(low: Int, high: Int, weight: Float)] {
        let scale = Double(source) / Double(target)
        return (0..<target).map { index in
            let position = min(max((Double(index) + 0.5) * scale - 0.5, 0), Double(source - 1))
            let low = Int(position.rounded(.down))
            return (low, min(low + 1, source - 1), Float(position - Double(low)))
        }
    }
}
