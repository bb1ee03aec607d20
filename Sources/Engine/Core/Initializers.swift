import OpenCLKit

/// How a parameter tensor is filled at creation, from a `SeededGenerator` (same seed, same values).
/// Normals are plain (not truncated), as in PyTorch's `kaiming_normal_` and `xavier_normal_`.
public enum Initializer: String, Sendable, Codable, CaseIterable {
    /// He (Kaiming) normal: N(0, 2 / fanIn), for ReLU networks.
    case heNormal
    /// He (Kaiming) uniform: U(-sqrt(6 / fanIn), +sqrt(6 / fanIn)).
    case heUniform
    /// Glorot (Xavier) uniform: U(-sqrt(6 / (fanIn + fanOut)), +sqrt(6 / (fanIn + fanOut))).
    case glorotUniform
    /// Glorot (Xavier) normal: N(0, 2 / (fanIn + fanOut)).
    case glorotNormal
    /// All zeros (biases).
    case zeros

    /// `count` values for a tensor whose fan-in and fan-out are given.
    public func values(count: Int, fanIn: Int, fanOut: Int, rng: inout SeededGenerator) -> [Float] {
        let fanIn = Float(max(fanIn, 1))
        let fanOut = Float(max(fanOut, 1))
        switch self {
        case .heNormal: return Initializer.normal(count, deviation: (2 / fanIn).squareRoot(), &rng)
        case .heUniform: return Initializer.uniform(count, limit: (6 / fanIn).squareRoot(), &rng)
        case .glorotUniform: return Initializer.uniform(count, limit: (6 / (fanIn + fanOut)).squareRoot(), &rng)
        case .glorotNormal: return Initializer.normal(count, deviation: (2 / (fanIn + fanOut)).squareRoot(), &rng)
        case .zeros: return [Float](repeating: 0, count: count)
        }
    }

    /// A device tensor of `shape` filled by this initializer.
    public func tensor(_ context: ComputeContext, shape: [Int], fanIn: Int, fanOut: Int, rng: inout SeededGenerator) throws -> Tensor {
        try Tensor(context, shape: shape, values: values(count: shape.reduce(1, *), fanIn: fanIn, fanOut: fanOut, rng: &rng))
    }

    private static func normal(_ count: Int, deviation: Float, _ rng: inout SeededGenerator) -> [Float] {
        (0..<count).map { _ in rng.nextNormal() * deviation }
    }

    private static func uniform(_ count: Int, limit: Float, _ rng: inout SeededGenerator) -> [Float] {
        (0..<count).map { _ in (2 * rng.nextUniform() - 1) * limit }
    }
}
