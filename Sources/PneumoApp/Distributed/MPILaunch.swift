import Foundation

/// What `mpirun` told this process through its environment: its rank in the job and on its
/// host. Read before MPI starts, so a process started without mpirun never touches MPI.
public struct MPILaunch: Sendable, Equatable {
    /// Rank in the whole job, from 0, and the number of ranks.
    public var rank: Int
    public var size: Int
    /// Rank among the ranks on this host, and how many share it.
    public var localRank: Int
    public var localSize: Int

    /// The launch described by Open MPI's (or PMIx's) variables; nil when not started by mpirun.
    public static func detect(environment: [String: String] = ProcessInfo.processInfo.environment) -> MPILaunch? {
        func number(_ names: String...) -> Int? {
            for name in names { if let text = environment[name], let value = Int(text) { return value } }
            return nil
        }
        guard let size = number("OMPI_COMM_WORLD_SIZE", "PMIX_SIZE"),
              let rank = number("OMPI_COMM_WORLD_RANK", "PMIX_RANK")
        else { return nil }
        let localRank = number("OMPI_COMM_WORLD_LOCAL_RANK", "PMIX_LOCAL_RANK") ?? rank
        let localSize = number("OMPI_COMM_WORLD_LOCAL_SIZE", "PMIX_LOCAL_SIZE") ?? size
        return MPILaunch(rank: rank, size: size, localRank: localRank, localSize: localSize)
    }

    /// The PoCL settings that give this rank its share of the host's cores, for those the user
    /// has not set. They must be in the environment before the OpenCL platform is first opened.
    public func coreShare(cores: Int = ProcessInfo.processInfo.activeProcessorCount,
                          environment: [String: String] = ProcessInfo.processInfo.environment) -> [String: String] {
        // A rank past the last whole share gets one core rather than none.
        let share = String(max(1, cores / max(1, localSize)))
        var settings: [String: String] = [:]
        for name in ["POCL_MAX_PTHREAD_COUNT", "POCL_CPU_MAX_CU_COUNT"] where environment[name] == nil {
            settings[name] = share
        }
        return settings
    }

    /// Sets `coreShare()` in this process's environment.
    public func applyCoreShare() {
        for (name, value) in coreShare() { setenv(name, value, 0) }
    }
}
