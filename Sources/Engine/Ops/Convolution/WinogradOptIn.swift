import Foundation
import OpenCLKit

/// Opt-in until the per-shape algorithm chooser takes over: with the environment variable
/// `PNEUMO_CONV_ALGORITHM=winograd`, `Convolution` hands the shapes Winograd supports to it.
enum WinogradOptIn {
    static let variable = "PNEUMO_CONV_ALGORITHM"

    /// The Winograd algorithm when the environment asks for it, else nil.
    static func algorithm(_ context: ComputeContext, gemm: GEMM) throws -> WinogradConvolution? {
        guard ProcessInfo.processInfo.environment[variable]?.lowercased() == "winograd" else { return nil }
        return try WinogradConvolution(context, gemm: gemm)
    }
}
