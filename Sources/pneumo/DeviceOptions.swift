import ArgumentParser
import Engine
import PneumoApp
import Foundation
import OpenCLKit

/// `--device` and `--require-gpu`, shared by every command that computes.
struct DeviceOptions: ParsableArguments {
    @Option(name: .long, help: "gpu, cpu, auto or P:D (see `pneumo devices`); default: $PNEUMO_DEVICE, else the first GPU, else the CPU.")
    var device: String?

    @Flag(name: .long, help: "Fail instead of falling back to the CPU when no GPU is found.")
    var requireGPU = false

    @Flag(name: .long, help: "Record each kernel's device time.")
    var profile = false

    /// Chooses the device, says which and why on standard error, and opens a context on it.
    /// Under mpirun with several GPUs on the host, the local rank picks its own GPU.
    func makeContext(launch: MPILaunch? = nil) throws -> ComputeContext {
        if let launch, let (gpu, reason) = try gpuForLocalRank(launch) {
            Console.log("device: \(gpu.name) (\(gpu.kind.rawValue), \(gpu.platform.name)) — \(reason)")
            return try EngineRuntime.open(device: gpu, profiling: profile)
        }
        let choice = try DeviceSelector.choose(flag: device, requireGPU: requireGPU)
        Console.log("device: \(choice.device.name) (\(choice.device.kind.rawValue), \(choice.device.platform.name)) — \(choice.reason)")
        return try EngineRuntime.open(device: choice.device, profiling: profile)
    }

    /// GPU number `localRank` (modulo their count) when several share the host and no
    /// explicit device was asked for; nil leaves the usual choice.
    private func gpuForLocalRank(_ launch: MPILaunch) throws -> (Device, String)? {
        let asked = device ?? ProcessInfo.processInfo.environment[DeviceSelector.environmentVariable] ?? "auto"
        guard launch.localSize > 1, ["auto", "gpu", ""].contains(asked.lowercased()) else { return nil }
        let gpus = try Device.all().filter { $0.kind == .gpu }
        guard gpus.count > 1 else { return nil }
        let index = launch.localRank % gpus.count
        return (gpus[index], "local rank \(launch.localRank) of \(launch.localSize) takes GPU \(index + 1) of \(gpus.count)")
    }
}

/// Status lines go to standard error so tables and JSON on standard output stay clean.
enum Console {
    /// True on the ranks of an mpirun job other than rank 0, which speaks for the job.
    nonisolated(unsafe) static var muted = false

    static func log(_ message: String) {
        guard !muted else { return }
        error(message)
    }

    /// Printed even when muted: errors of every rank.
    static func error(_ message: String) {
        FileHandle.standardError.write(Data(("pneumo: " + message + "\n").utf8))
    }
}
