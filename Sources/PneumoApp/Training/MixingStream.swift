import Engine

/// The random stream of one batch's mixing, derived from the run's seed, the rank, the epoch
/// and the batch alone: it holds no state to save, so a resumed run mixes exactly as an
/// uninterrupted one, and it takes no draw from the augmentation or dropout streams, which
/// stay those of runs without mixing.
enum MixingStream {
    static func generator(seed: UInt64, rank: Int, epoch: Int, batch: Int) -> SeededGenerator {
        var perRank = SeededGenerator(seed: seed ^ 0x3C6E_F372_FE94_F82B, stream: UInt64(rank))
        return SeededGenerator(seed: perRank.next(), stream: UInt64(epoch) << 32 | UInt64(batch))
    }
}
