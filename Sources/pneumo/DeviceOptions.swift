import ArgumentParser
import Engine
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
    func makeContext() throws -> ComputeContext {
        let choice = try DeviceSelector.choose(flag: device, requireGPU: requireGPU)
        Console.log("device: \(choice.device.name) (\(choice.device.kind.rawValue), \(choice.device.platform.name)) — \(choice.reason)")
        return try ComputeContext(device: choice.device, profiling: profile)
    }
}

/// Status lines go to standard error so tables and JSON on standard output stay clean.
enum Console {
    static func log(_ message: String) {
        FileHandle.standardError.write(Data(("pneumo: " + message + "\n").utf8))
    }
}
