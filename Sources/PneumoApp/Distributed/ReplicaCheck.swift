import Engine

/// Checks that every rank still holds the same weights, bit for bit. Averaged gradients keep
/// them equal as long as every rank receives the same sums; a rank that drifted would
/// silently train another model, so the job stops instead.
enum ReplicaCheck {
    /// Throws on every rank when any rank's weights differ from rank 0's.
    static func verify(_ parameters: [Parameter], group: ProcessGroup, epoch: Int) throws {
        guard group.size > 1 else { return }
        var digest = fnvOffset
        for parameter in parameters {
            for value in try parameter.value.toArray() {
                digest = (digest ^ UInt64(value.bitPattern)) &* fnvPrime
            }
        }
        let bytes = (0..<8).map { UInt8(truncatingIfNeeded: digest >> (8 * UInt64($0))) }
        let all = try group.gather(bytes)
        let differing = all.indices.filter { all[$0] != all[0] }
        guard !differing.isEmpty else { return }
        throw DistributedError.mismatch(
            "after epoch \(epoch) the weights of rank\(differing.count == 1 ? "" : "s") \(differing.map(String.init).joined(separator: ", ")) "
                + "differ from rank 0's, so the ranks no longer train one model (their gradient sums differed); "
                + "resume from the last checkpoint, and report it with mpirun --version and the network used")
    }

    // 64-bit FNV-1a over the weights' bit patterns: cheap, and a changed weight changes it with near certainty.
    private static let fnvOffset: UInt64 = 0xCBF2_9CE4_8422_2325
    private static let fnvPrime: UInt64 = 0x100_0000_01B3
}
