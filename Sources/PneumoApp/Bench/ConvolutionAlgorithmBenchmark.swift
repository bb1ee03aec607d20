import Engine
import EngineTuning
import Foundation
import OpenCLKit

/// Median times of one pass of one convolution shape under each algorithm that computes it.
public struct ConvolutionAlgorithmTiming: Codable, Sendable {
    public let model: String
    /// The shape, e.g. "32x63x63 -> 64 valid".
    public let layer: String
    /// "forward", "backward-input" or "backward-weights".
    public let pass: String
    /// Milliseconds by algorithm name ("direct", "im2col", "winograd").
    public let milliseconds: [String: Double]
}

/// `pneumo bench --convolutions`: each 3x3 stride-1 convolution a training step of the models
/// runs, timed alone under every registered algorithm that computes it (direct kernels,
/// im2col + GEMM, Winograd), for the forward
/// pass and both gradients. Algorithms alternate within each repeat so load on a shared
/// machine falls on all of them alike; medians are reported.
public enum ConvolutionAlgorithmBenchmark {
    public static let passes = ["forward", "backward-input", "backward-weights"]
    public static let algorithms = ["direct", "im2col", "winograd"]

    public static func run(
        specs: [ArchitectureSpec], batch: Int, device: Device, repeats: Int, progress: (String) -> Void = { _ in }
    ) throws -> [ConvolutionAlgorithmTiming] {
        let context = try EngineRuntime.open(device: device)
        let chooser = try Convolution(context, environment: [:])
        var rows: [ConvolutionAlgorithmTiming] = []
        for spec in specs {
            for g in try geometries(spec, batch: batch, context: context) {
                progress("timing \(spec.name) \(label(g))")
                let operands = try ConvolutionOperands(context, g)
                for pass in ConvolutionPass.allCases {
                    let runs: [(String, () throws -> Void)] = try chooser.algorithms(supporting: g).map { algorithm in
                        (algorithm.name, { try operands.run(algorithm, pass) })
                    }
                    var times: [String: [Double]] = [:]
                    for repeatIndex in -1..<repeats {  // -1: untimed warm-up (kernel builds, pool)
                        for (name, body) in runs {
                            try context.finish()
                            let start = DispatchTime.now().uptimeNanoseconds
                            try body()
                            try context.finish()
                            if repeatIndex >= 0 { times[name, default: []].append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6) }
                        }
                    }
                    rows.append(ConvolutionAlgorithmTiming(
                        model: spec.name, layer: label(g), pass: pass.rawValue, milliseconds: times.mapValues { ThroughputMeter.median($0) }))
                }
            }
        }
        return rows
    }

    /// The distinct 3x3 stride-1 convolutions of one training step of `spec`, in order.
    static func geometries(_ spec: ArchitectureSpec, batch: Int, context: ComputeContext) throws -> [ConvGeometry] {
        let workload = try ModelWorkload(spec: spec, batch: batch, context: context)
        let ledger = WorkLedger.start(for: context)
        _ = try workload.trainingStep()
        try context.finish()
        WorkLedger.stop(for: context)
        var seen: [ConvGeometry] = []
        for recorded in ledger.products {
            guard let g = recorded.convolution, g.kernelHeight == 3, g.kernelWidth == 3, g.stride == 1, !seen.contains(g) else { continue }
            seen.append(g)
        }
        return seen
    }

    static func label(_ g: ConvGeometry) -> String { "\(g.inChannels)x\(g.height)x\(g.width) -> \(g.filters) \(g.padding.rawValue)" }

    /// A text table: one row per shape and pass, milliseconds per algorithm, and direct's
    /// time over Winograd's (above 1: Winograd is faster).
    public static func render(_ rows: [ConvolutionAlgorithmTiming]) -> String {
        var lines = ["model           | layer                   | pass             |  direct ms |  im2col ms | winograd ms | direct/winograd | fastest"]
        for row in rows {
            func cell(_ name: String) -> String { row.milliseconds[name].map { String(format: "%.2f", $0) } ?? "-" }
            var ratio = "-"
            if let direct = row.milliseconds["direct"], let winograd = row.milliseconds["winograd"] {
                ratio = String(format: "%.2fx", direct / winograd)
            }
            let fastest = row.milliseconds.min { $0.value < $1.value }?.key ?? "-"
            lines.append([
                row.model.padding(toLength: 15, withPad: " ", startingAt: 0), row.layer.padding(toLength: 23, withPad: " ", startingAt: 0),
                row.pass.padding(toLength: 16, withPad: " ", startingAt: 0), pad(cell("direct"), 10), pad(cell("im2col"), 10),
                pad(cell("winograd"), 11), pad(ratio, 15), fastest,
            ].joined(separator: " | "))
        }
        return lines.joined(separator: "\n")
    }

    private static func pad(_ text: String, _ width: Int) -> String { String(repeating: " ", count: max(0, width - text.count)) + text }
}
