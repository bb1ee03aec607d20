import Engine
import EngineTuning
import Foundation
import OpenCLKit

/// The models' matrix products as plain GEMMs, timed with the engine's packed GEMM and,
/// when asked, with CLBlast on the same device.
public enum ProductComparison {
    /// Distinct GEMM shapes of the products in `uses` (convolutions as the GEMM they amount
    /// to: weights shared over the batch; weight gradients summed over the batch as one long
    /// k), leaving out products small enough for the naive kernel.
    public static func shapes(from uses: [StepProfile.ProductUse]) -> [GEMMShapeTiming] {
        var rows: [GEMMShapeTiming] = []
        for use in uses {
            let p = use.product
            guard p.m * p.n * p.k * p.batch >= 32 * 32 * 32 else { continue }
            var row: GEMMShapeTiming
            switch p.kernel {
            case .gemm where !use.use.contains("Conv2D"):
                row = GEMMShapeTiming(m: p.m, n: p.n, k: p.k, batch: p.batch, uses: [use.use])
            case .gemm, .convolution:
                row = GEMMShapeTiming(m: p.m, n: p.n, k: p.k, batch: p.batch, sharedA: true, uses: [use.use])
            case .convolutionWeights:
                row = GEMMShapeTiming(m: p.m, n: p.n, k: p.k * p.batch, uses: [use.use])
            }
            if let index = rows.firstIndex(where: { $0.m == row.m && $0.n == row.n && $0.k == row.k && $0.batch == row.batch && $0.sharedA == row.sharedA }) {
                rows[index].uses.append(use.use)
            } else {
                rows.append(row)
            }
        }
        return rows
    }

    /// Parses `MxNxK` or `MxNxKxBATCH` (e.g. `1024x1024x1024`).
    public static func parse(_ text: String) throws -> GEMMShapeTiming {
        let parts = text.lowercased().split(separator: "x").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard (3...4).contains(parts.count), parts.allSatisfy({ ($0 ?? 0) >= 1 }) else {
            throw BenchError.invalidOption("GEMM shape '\(text)' not understood: use MxNxK or MxNxKxBATCH with positive sizes, e.g. 1024x1024x1024")
        }
        let sizes = parts.compactMap { $0 }
        return GEMMShapeTiming(m: sizes[0], n: sizes[1], k: sizes[2], batch: sizes.count == 4 ? sizes[3] : 1, uses: ["requested"])
    }

    /// Times every row with our GEMM (the device's stored tuner choices apply) and with
    /// `clblast` when given; a CLBlast failure on one shape becomes a note, not an error.
    public static func time(
        _ rows: [GEMMShapeTiming], device: Device, clblast: CLBlastSGEMM?, runs: Int = 3, progress: (String) -> Void = { _ in }
    ) throws -> (rows: [GEMMShapeTiming], notes: [String]) {
        let context = try EngineRuntime.open(device: device)
        let gemm = try GEMM(context)
        var timed: [GEMMShapeTiming] = []
        var notes: [String] = []
        for var row in rows {
            progress("GEMM \(row.m)x\(row.n)x\(row.k)" + (row.batch > 1 ? " x\(row.batch)" : ""))
            let result = try GEMMBenchmark.run(
                context, m: row.m, n: row.n, k: row.k, batch: row.batch, sharedA: row.sharedA, gemm: gemm, warmup: 1, runs: runs)
            row.gflops = result.gflops
            row.tuning = result.tuning.description
            if let clblast {
                do {
                    row.clblastGFLOPS = try clblast.gflops(
                        device: device, m: row.m, n: row.n, k: row.k, batch: row.batch, sharedA: row.sharedA, warmup: 1, runs: runs)
                } catch {
                    notes.append("CLBlast on \(row.m)x\(row.n)x\(row.k): \(error)")
                }
            }
            timed.append(row)
        }
        context.trimBufferPool()
        return (timed, notes)
    }
}
