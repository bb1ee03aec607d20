import Foundation

/// Runs the built `pneumo` binary, alone or as the ranks of an `mpirun` job, and collects its output.
final class MPIJob {
    /// Exit status and standard output and error together.
    struct Result {
        var status: Int32
        var output: String
    }

    /// `mpirun` from the PATH, or nil when Open MPI is not installed.
    static let mpirun: URL? = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin")
        .split(separator: ":").map { URL(fileURLWithPath: String($0)).appendingPathComponent("mpirun") }
        .first { FileManager.default.isExecutableFile(atPath: $0.path) }

    /// The `pneumo` executable built beside the test bundle.
    static let pneumo: URL? = {
        let bundle = Bundle.main.bundleURL
        let candidates = [
            bundle.appendingPathComponent("pneumo"), bundle.deletingLastPathComponent().appendingPathComponent("pneumo"),
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("pneumo"),
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }()

    /// mpirun's own arguments for `ranks` processes on this host: root allowed (containers), more
    /// ranks than cores allowed, and no binding, so ranks take the core share pneumo gives them.
    static func mpirunArguments(_ ranks: Int) -> [String] {
        [mpirun!.path, "--allow-run-as-root", "--oversubscribe", "--bind-to", "none", "-np", String(ranks)]
    }

    /// The environment of a child: PoCL's thread settings removed, so each rank takes its share.
    static var environment: [String: String] {
        var environment = ProcessInfo.processInfo.environment
        for name in ["POCL_MAX_PTHREAD_COUNT", "POCL_CPU_MAX_CU_COUNT"] { environment[name] = nil }
        return environment
    }

    private let process = Process()
    private let output = Pipe()
    private let lock = NSLock()
    private var collected = Data()
    private let finished = DispatchSemaphore(value: 0)

    private init(_ command: [String]) throws {
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        process.environment = Self.environment
        process.standardOutput = output
        process.standardError = output
        output.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            guard let self else { return }
            if data.isEmpty {
                handle.readabilityHandler = nil
                self.finished.signal()
                return
            }
            self.lock.lock()
            self.collected.append(data)
            self.lock.unlock()
        }
        try process.run()
    }

    /// Starts `pneumo arguments` as `ranks` ranks of an mpirun job.
    static func start(_ ranks: Int, _ arguments: [String]) throws -> MPIJob {
        try MPIJob(mpirunArguments(ranks) + [pneumo!.path] + arguments)
    }

    /// Runs `command` to its end.
    static func run(_ command: [String]) throws -> Result { try MPIJob(command).wait() }

    /// Runs `pneumo arguments` as one plain process.
    static func pneumo(_ arguments: [String]) throws -> Result { try run([pneumo!.path] + arguments) }

    /// Runs `pneumo arguments` as `ranks` ranks of an mpirun job.
    static func mpirun(_ ranks: Int, _ arguments: [String]) throws -> Result { try start(ranks, arguments).wait() }

    /// The output so far.
    var text: String {
        lock.lock(); defer { lock.unlock() }
        return String(decoding: collected, as: UTF8.self)
    }

    /// Waits until the output contains `marker`; fails when the job ends or `timeout` passes first.
    func waitForOutput(_ marker: String, timeout: Double) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while !text.contains(marker) {
            guard process.isRunning, Date() < deadline else {
                throw MPIJobError("the job never printed '\(marker)'; output:\n\(text)")
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
    }

    /// Sends `signal` to the pneumo process of `rank` (found among mpirun's children by its environment).
    func signal(rank: Int, _ signal: Int32) throws {
        let children = try FileManager.default.contentsOfDirectory(atPath: "/proc").compactMap(Int32.init).filter { pid in
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")")
            else { return false }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 2 && Int32(fields[1]) == process.processIdentifier
        }
        for pid in children {
            guard let environment = try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/environ")) else { continue }
            let variables = environment.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            if variables.contains("OMPI_COMM_WORLD_RANK=\(rank)") {
                kill(pid, signal)
                return
            }
        }
        throw MPIJobError("no process of rank \(rank) among mpirun's children \(children); output:\n\(text)")
    }

    /// Waits for the job to end.
    func wait() -> Result {
        process.waitUntilExit()
        _ = finished.wait(timeout: .now() + 10)
        return Result(status: process.terminationStatus, output: text)
    }
}

struct MPIJobError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
