import Engine

/// The random streams that differ between ranks, so each rank augments and drops out its own
/// images differently, and the run is reproducible for a given number of ranks.
public struct RankStreams: Equatable, Sendable {
    /// The generator the next augmentation parameters are drawn from.
    public var augmentation: SeededGenerator
    /// Each dropout layer's mask counter, in layer order.
    public var dropoutSteps: [UInt64]

    public init(augmentation: SeededGenerator, dropoutSteps: [UInt64]) {
        self.augmentation = augmentation
        self.dropoutSteps = dropoutSteps
    }

    /// Rank 0 keeps the single-process stream; other ranks start from a generator mixed with their rank.
    static func augmentation(_ first: SeededGenerator, rank: Int) -> SeededGenerator {
        guard rank > 0 else { return first }
        var mixer = SeededGenerator(seed: first.state ^ (UInt64(rank) &* 0xD1B5_4A32_D192_ED03))
        return SeededGenerator(seed: mixer.next())
    }

    /// Dropout masks are drawn by counter, so each rank counts from its own far-apart start
    /// (2^40 steps apart); rank 0 starts at 0 as a single process does.
    static func firstDropoutStep(rank: Int) -> UInt64 { UInt64(rank) << 40 }

    /// Every rank's streams, in rank order, on every rank.
    static func gather(_ streams: RankStreams, over group: ProcessGroup) throws -> [RankStreams] {
        guard group.size > 1 else { return [streams] }
        let words = [streams.augmentation.state] + streams.dropoutSteps
        let bytes = words.flatMap { word in (0..<8).map { UInt8(truncatingIfNeeded: word >> (8 * UInt64($0))) } }
        return try group.gather(bytes).map { rankBytes in
            let words = stride(from: 0, to: rankBytes.count, by: 8).map { start in
                (0..<8).reduce(UInt64(0)) { $0 | UInt64(rankBytes[start + $1]) << (8 * UInt64($1)) }
            }
            return RankStreams(augmentation: SeededGenerator(seed: words[0]), dropoutSteps: Array(words.dropFirst()))
        }
    }
}

extension RankStreams: Codable {
    // 64-bit counters travel as text, as in the resume state.
    private enum CodingKeys: String, CodingKey { case augmentationState = "augmentation_state", dropoutSteps = "dropout_steps" }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        func counter(_ text: String, _ key: CodingKeys) throws -> UInt64 {
            guard let value = UInt64(text) else {
                throw DecodingError.dataCorruptedError(forKey: key, in: container, debugDescription: "'\(text)' is not a 64-bit counter")
            }
            return value
        }
        augmentation = SeededGenerator(seed: try counter(try container.decode(String.self, forKey: .augmentationState), .augmentationState))
        dropoutSteps = try container.decode([String].self, forKey: .dropoutSteps).map { try counter($0, .dropoutSteps) }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(String(augmentation.state), forKey: .augmentationState)
        try container.encode(dropoutSteps.map(String.init), forKey: .dropoutSteps)
    }
}
