import Engine
import Foundation

/// Images per second over timed windows of steps, after untimed warm-up steps.
public enum ThroughputMeter {
    /// Runs `warmup` steps, then `windows` windows of `steps` steps each; returns images/s of
    /// every window (wall clock, the device drained at each window's end) and calls
    /// `onWindow` as each one finishes.
    public static func measure(
        context: ComputeContext, imagesPerStep: Int, warmup: Int, windows: Int, steps: Int,
        onWindow: (Double) -> Void = { _ in }, step: () throws -> Void
    ) throws -> [Double] {
        guard warmup >= 0, windows >= 1, steps >= 1 else {
            throw BenchError.invalidOption("need warmup >= 0, windows >= 1 and steps >= 1 (got \(warmup), \(windows), \(steps))")
        }
        for _ in 0..<warmup { try step() }
        try context.finish()
        var rates: [Double] = []
        for _ in 0..<windows {
            let start = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<steps { try step() }
            try context.finish()
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            let rate = Double(imagesPerStep * steps) / max(seconds, 1e-9)
            rates.append(rate)
            onWindow(rate)
        }
        return rates
    }

    /// The median of `values` (the mean of the middle two for an even count); 0 when empty.
    public static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }
}
