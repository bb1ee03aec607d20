/// For each output position along one axis: the first source index and a fixed number of
/// weights (zero-padded), so the inner loops have no branches.
struct ResampleTaps: Equatable {
    let starts: [Int]
    let weights: [Float]
    let tapCount: Int

    /// Area averaging when shrinking (each output pixel is the mean of the source area it
    /// covers, fractional edges weighted by overlap), bilinear with centred pixels when
    /// enlarging, the identity when the lengths are equal.
    init(source: Int, destination: Int) {
        precondition(source > 0 && destination > 0)
        var lists: [[(index: Int, weight: Double)]] = []
        let scale = Double(source) / Double(destination)
        for i in 0..<destination {
            if source == destination {
                lists.append([(i, 1)])
            } else if source > destination {
                lists.append(ResampleTaps.areaTaps(output: i, scale: scale, source: source))
            } else {
                lists.append(ResampleTaps.bilinearTaps(output: i, scale: scale, source: source))
            }
        }
        let span = lists.map { ($0.last?.index ?? 0) - ($0.first?.index ?? 0) + 1 }.max() ?? 1
        tapCount = min(span, source)
        var starts = [Int](repeating: 0, count: destination)
        var weights = [Float](repeating: 0, count: destination * tapCount)
        for (i, list) in lists.enumerated() {
            let first = list.first?.index ?? 0
            let start = min(first, source - tapCount)
            starts[i] = start
            let total = list.reduce(0) { $0 + $1.weight }
            for tap in list { weights[i * tapCount + tap.index - start] += Float(tap.weight / total) }
        }
        self.starts = starts
        self.weights = weights
    }

    private static func areaTaps(output i: Int, scale: Double, source: Int) -> [(index: Int, weight: Double)] {
        let low = Double(i) * scale
        let high = min(Double(source), Double(i + 1) * scale)
        var taps: [(index: Int, weight: Double)] = []
        var j = Int(low.rounded(.down))
        while Double(j) < high, j < source {
            let overlap = min(high, Double(j + 1)) - max(low, Double(j))
            if overlap > 1e-12 { taps.append((j, overlap)) }
            j += 1
        }
        return taps
    }

    private static func bilinearTaps(output i: Int, scale: Double, source: Int) -> [(index: Int, weight: Double)] {
        let position = min(max((Double(i) + 0.5) * scale - 0.5, 0), Double(source - 1))
        let left = Int(position.rounded(.down))
        let fraction = position - Double(left)
        if left + 1 >= source || fraction < 1e-12 { return [(left, 1)] }
        return [(left, 1 - fraction), (left + 1, fraction)]
    }
}
