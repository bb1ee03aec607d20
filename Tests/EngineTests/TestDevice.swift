import Engine
import OpenCLKit

/// One CPU (PoCL) context shared by the engine tests, so kernels build once per run.
enum TestDevice {
    private static let shared: Result<ComputeContext, Error> = Result {
        let choice = try DeviceSelector.choose(flag: ProcessInfo.processInfo.environment["PNEUMO_TEST_DEVICE"] ?? "cpu")
        return try ComputeContext(device: choice.device)
    }

    static func context() throws -> ComputeContext { try shared.get() }
}

import Foundation
