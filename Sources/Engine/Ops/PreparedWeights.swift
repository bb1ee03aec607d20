import Foundation
import OpenCLKit

/// Weights rearranged for a kernel (GEMM panels, Winograd filter tiles), kept between the calls
/// of an inference layer: an arrangement is reused while the buffer it was made from keeps the
/// write stamp it had right after (`DeviceBuffer.writeStamp`: any host write, copy, fill or
/// kernel launch that may write the weights changes it), and made again otherwise.
public final class PreparedWeights: @unchecked Sendable {
    /// Which arrangement: the kernel family's name and its layout numbers (tile, rows, inner size).
    struct Key: Hashable {
        let arrangement: String
        let layout: [Int]
    }

    private var entries: [Key: (source: UInt64, buffer: DeviceBuffer<Float>)] = [:]
    private var made = 0
    private let lock = NSLock()

    public init() {}

    /// How many arrangements were made rather than reused, so far.
    public var preparations: Int {
        lock.lock(); defer { lock.unlock() }
        return made
    }

    /// The arrangement `key` of `source`: the kept one while `source` is unwritten since it was
    /// made, else `prepare()`'s, which must only read `source`.
    func buffer(_ key: Key, from source: DeviceBuffer<Float>, prepare: () throws -> DeviceBuffer<Float>) throws -> DeviceBuffer<Float> {
        lock.lock(); defer { lock.unlock() }
        let before = source.writeStamp
        if let entry = entries[key], entry.source == before { return entry.buffer }
        let buffer = try prepare()
        // Binding `source` to the packing launch gave it a new stamp, though that launch only
        // read it: arrangements that were current before it still are.
        let after = source.writeStamp
        entries = entries.filter { $0.value.source == before }.mapValues { (after, $0.buffer) }
        entries[key] = (after, buffer)
        made += 1
        return buffer
    }
}

/// The write stamps of the buffers something was computed from, noted right after computing
/// it: while they stay the same, so do the buffers, and the result holds.
struct SourceStamps: Equatable {
    let stamps: [UInt64]

    init(_ buffers: [DeviceBuffer<Float>]) { stamps = buffers.map(\.writeStamp) }
}
