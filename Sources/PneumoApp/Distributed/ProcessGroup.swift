import CMPI
import Foundation

/// A failure of the MPI library, or ranks that disagree about what they train.
public enum DistributedError: Error, CustomStringConvertible, Equatable {
    case mpi(call: String, text: String)
    case mismatch(String)

    public var description: String {
        switch self {
        case let .mpi(call, text): return "MPI \(call) failed: \(text)"
        case let .mismatch(why): return why
        }
    }
}

/// The processes training one model together: the ranks of an mpirun job, or this process
/// alone. Collectives on a group of one return their input without touching MPI.
public final class ProcessGroup: @unchecked Sendable {
    public let rank: Int
    public let size: Int
    /// This host's name, for messages that say where a rank ran.
    public let host: String
    private let usesMPI: Bool

    private init(rank: Int, size: Int, usesMPI: Bool) {
        self.rank = rank
        self.size = size
        self.usesMPI = usesMPI
        host = ProcessInfo.processInfo.hostName
    }

    /// This process alone, without MPI.
    public static let single = ProcessGroup(rank: 0, size: 1, usesMPI: false)

    /// Starts MPI for a process launched by mpirun and joins the job.
    public static func join(_ launch: MPILaunch) throws -> ProcessGroup {
        var provided: Int32 = 0
        try check(pneumo_mpi_init(&provided), "MPI_Init_thread")
        var rank: Int32 = 0, size: Int32 = 0
        try check(pneumo_mpi_rank(&rank), "MPI_Comm_rank")
        try check(pneumo_mpi_size(&size), "MPI_Comm_size")
        return ProcessGroup(rank: Int(rank), size: Int(size), usesMPI: true)
    }

    /// True for rank 0, which alone writes the run's files and prints its progress.
    public var isLeader: Bool { rank == 0 }
    /// "rank R on HOST", for messages.
    public var name: String { "rank \(rank) of \(size) on \(host)" }

    /// Sums `values` over every rank, in place.
    public func sum(_ values: inout [Float]) throws {
        guard size > 1 else { return }
        let count = Int32(values.count)
        try Self.check(values.withUnsafeMutableBufferPointer { pneumo_mpi_allreduce_sum_float($0.baseAddress, count) }, "MPI_Allreduce")
    }

    /// Sums `values` over every rank, in place.
    public func sum(_ values: inout [Double]) throws {
        guard size > 1 else { return }
        let count = Int32(values.count)
        try Self.check(values.withUnsafeMutableBufferPointer { pneumo_mpi_allreduce_sum_double($0.baseAddress, count) }, "MPI_Allreduce")
    }

    /// True on every rank when `flag` is true on any.
    public func any(_ flag: Bool) throws -> Bool {
        var value: [Double] = [flag ? 1 : 0]
        try sum(&value)
        return value[0] > 0
    }

    /// `values` as rank `root` has them, on every rank.
    public func broadcast(_ values: [Double], from root: Int = 0) throws -> [Double] {
        guard size > 1 else { return values }
        var copy = values
        let bytes = Int32(values.count * MemoryLayout<Double>.stride)
        try Self.check(copy.withUnsafeMutableBytes { pneumo_mpi_broadcast_bytes($0.baseAddress, bytes, Int32(root)) }, "MPI_Bcast")
        return copy
    }

    /// Every rank's `bytes`, in rank order, on every rank; all ranks must pass the same length.
    public func gather(_ bytes: [UInt8]) throws -> [[UInt8]] {
        guard size > 1 else { return [bytes] }
        var gathered = [UInt8](repeating: 0, count: bytes.count * size)
        let count = Int32(bytes.count)
        try Self.check(bytes.withUnsafeBytes { source in
            gathered.withUnsafeMutableBytes { pneumo_mpi_allgather_bytes(source.baseAddress, $0.baseAddress, count) }
        }, "MPI_Allgather")
        return (0..<size).map { Array(gathered[($0 * bytes.count)..<(($0 + 1) * bytes.count)]) }
    }

    /// Waits for every rank.
    public func barrier() throws {
        guard size > 1 else { return }
        try Self.check(pneumo_mpi_barrier(), "MPI_Barrier")
    }

    /// Ends every rank of the job with `code` (this process alone when not under MPI).
    public func abort(code: Int32) -> Never {
        if usesMPI { _ = pneumo_mpi_abort(code) }
        exit(code)
    }

    /// Leaves MPI; call once, after the last collective.
    public func finalize() {
        if usesMPI { _ = pneumo_mpi_finalize() }
    }

    private static func check(_ code: Int32, _ call: String) throws {
        guard code != 0 else { return }
        var text = [CChar](repeating: 0, count: 512)
        pneumo_mpi_error_text(code, &text, Int32(text.count))
        throw DistributedError.mpi(call: call, text: String(cString: text))
    }
}
