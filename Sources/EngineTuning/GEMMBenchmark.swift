import Engine
import Foundation
import OpenCLKit

/// Speed of one GEMM configuration: wall time per product (packing included), median of runs.
public struct GEMMBenchmarkResult: Sendable, CustomStringConvertible {
    public let m: Int
    public let n: Int
    public let k: Int
    public let batch: Int
    public let tuning: GEMMTuning
    public let device: String
    public let runs: Int
    /// Median wall time of one batched C = A * B, from launch to `finish()`.
    public let medianSeconds: Double
    /// 2 * m * n * k * batch / medianSeconds, in 10^9 per second.
    public let gflops: Double
    /// Largest |error| / (1 + |expected|) over the spot-checked entries.
    public let validationError: Float

    public var description: String {
        String(format: "GEMM %dx%dx%d%@ on %@ (%@): %.1f GFLOP/s (median of %d, %.2f ms), spot-check error %.1e",
               m, n, k, batch > 1 ? " x\(batch)" : "", device, tuning.description, gflops, runs, medianSeconds * 1e3,
               Double(validationError))
    }
}

/// Times the packed GEMM on the device after checking its result.
public enum GEMMBenchmark {
    /// Multiplies random m x k and k x n matrices (`batch` pairs; one A shared by all when
    /// `sharedA`): checks 64 entries of C against a Double CPU sum (throws if any is off),
    /// then times `warmup` + `runs` products and reports the median. `gemm` (default: one
    /// with `tuning`, or the device's stored choices) runs them.
    public static func run(
        _ context: ComputeContext, m: Int, n: Int, k: Int, batch: Int = 1, sharedA: Bool = false,
        tuning: GEMMTuning? = nil, gemm: GEMM? = nil, warmup: Int = 2, runs: Int = 7, seed: UInt64 = 1
    ) throws -> GEMMBenchmarkResult {
        guard m >= 1, n >= 1, k >= 1, batch >= 1, runs >= 1, warmup >= 0 else {
            throw EngineError.invalidConfiguration(
                "GEMM benchmark needs positive sizes and runs (got \(m)x\(n)x\(k) x\(batch), \(runs) runs)")
        }
        let gemm = try gemm ?? GEMM(context, tuning: tuning)
        var rng = SeededGenerator(seed: seed)
        let aItems = sharedA ? 1 : batch
        let a = (0..<m * k * aItems).map { _ in rng.nextUniform() * 2 - 1 }
        let b = (0..<k * n * batch).map { _ in rng.nextUniform() * 2 - 1 }
        let aBuffer = try DeviceBuffer(context, a)
        let bBuffer = try DeviceBuffer(context, b)
        let cBuffer = try DeviceBuffer<Float>(context, count: m * n * batch)
        func product() throws {
            try gemm.multiply(
                m: m, n: n, k: k, GEMMOperand(aBuffer, leadingDimension: k, batchStride: sharedA ? 0 : m * k),
                GEMMOperand(bBuffer, leadingDimension: n, batchStride: k * n),
                GEMMOperand(cBuffer, leadingDimension: n, batchStride: m * n), batch: batch, path: .packed)
        }

        try product()
        try context.finish()
        let c = try cBuffer.read()
        var positions = [(0, 0, 0), (batch - 1, m - 1, n - 1), (0, 0, n - 1), (0, m - 1, 0)]
        while positions.count < 64 {
            positions.append((Int(rng.next() % UInt64(batch)), Int(rng.next() % UInt64(m)), Int(rng.next() % UInt64(n))))
        }
        var worst: Float = 0
        for (item, i, j) in positions {
            let aBase = (sharedA ? 0 : item * m * k) + i * k
            let expected = (0..<k).reduce(0.0) { $0 + Double(a[aBase + $1]) * Double(b[item * k * n + $1 * n + j]) }
            worst = max(worst, Float(abs(Double(c[item * m * n + i * n + j]) - expected) / (1 + abs(expected))))
        }
        // Float sums of k terms of size <= 1 drift by about sqrt(k) * 6e-8 relative; allow far more.
        let used = gemm.tuning(for: TunedProduct(kernel: .gemm, m: m, n: n, k: k, batch: batch))
        guard worst <= 1e-3 else {
            throw EngineError.invalidConfiguration("GEMM \(m)x\(n)x\(k) with \(used) gives wrong results (error \(worst)); not timing it")
        }

        for _ in 0..<warmup { try product() }
        try context.finish()
        var times: [Double] = []
        for _ in 0..<runs {
            let start = DispatchTime.now().uptimeNanoseconds
            try product()
            try context.finish()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        times.sort()
        let median = runs % 2 == 1 ? times[runs / 2] : (times[runs / 2 - 1] + times[runs / 2]) / 2
        return GEMMBenchmarkResult(
            m: m, n: n, k: k, batch: batch, tuning: used, device: context.device.name, runs: runs, medianSeconds: median,
            gflops: 2 * Double(m) * Double(n) * Double(k) * Double(batch) / median / 1e9, validationError: worst)
    }
}
