import Engine
import Foundation
import OpenCLKit

/// Images per second over timed windows of steps, after untimed warm-up steps.
public enum ThroughputMeter {
    /// One timed window: images per wall-clock second, and per CPU-second of this process
    /// (all its threads, the OpenCL driver's included). On a shared machine the second does
    /// not count time spent waiting for a core.
    public struct Window: Sendable, Equatable {
        public let imagesPerSecond: Double
        public let imagesPerCPUSecond: Double
    }

    /// Runs `warmup` steps, then `windows` windows of `steps` steps each (the device drained
    /// at each window's end); calls `onWindow` as each one finishes and returns them all.
    public static func measureWindows(
        context: ComputeContext, imagesPerStep: Int, warmup: Int, windows: Int, steps: Int,
        onWindow: (Window) -> Void = { _ in }, step: () throws -> Void
    ) throws -> [Window] {
        guard warmup >= 0, windows >= 1, steps >= 1 else {
            throw BenchError.invalidOption("need warmup >= 0, windows >= 1 and steps >= 1 (got \(warmup), \(windows), \(steps))")
        }
        for _ in 0..<warmup { try step() }
        try context.finish()
        var result: [Window] = []
        for _ in 0..<windows {
            let start = DispatchTime.now().uptimeNanoseconds
            let cpuStart = processCPUSeconds()
            for _ in 0..<steps { try step() }
            try context.finish()
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            let cpuSeconds = processCPUSeconds() - cpuStart
            let images = Double(imagesPerStep * steps)
            let window = Window(imagesPerSecond: images / max(seconds, 1e-9), imagesPerCPUSecond: images / max(cpuSeconds, 1e-9))
            result.append(window)
            onWindow(window)
        }
        return result
    }

    /// Images per wall-clock second of each window (see `measureWindows`).
    public static func measure(
        context: ComputeContext, imagesPerStep: Int, warmup: Int, windows: Int, steps: Int,
        onWindow: (Double) -> Void = { _ in }, step: () throws -> Void
    ) throws -> [Double] {
        try measureWindows(
            context: context, imagesPerStep: imagesPerStep, warmup: warmup, windows: windows, steps: steps,
            onWindow: { onWindow($0.imagesPerSecond) }, step: step
        ).map(\.imagesPerSecond)
    }

    /// The median of `values` (the mean of the middle two for an even count); 0 when empty.
    public static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    /// CPU time used so far by every thread of this process.
    static func processCPUSeconds() -> Double {
        var time = timespec()
        guard clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time) == 0 else { return 0 }
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}
