import Engine
import EngineTuning
import Foundation
import OpenCLKit

/// `pneumo bench --tune`: finds the products and convolutions the models run, tunes the tiles
/// of their shape classes and races the convolution algorithms on each pass, and stores the
/// device's tuned profile where every later context on the device finds it.
public enum BenchTuning {
    /// Records one training step of each model, turns its tunable products into trials
    /// (plain GEMMs, and stride-1 convolution passes on the direct kernels), tunes them and
    /// saves the device's table in `store`.
    public static func run(
        specs: [ArchitectureSpec], batch: Int, device: Device, store: TuningStore, candidates: [GEMMTuning]? = nil,
        progress: (String) -> Void = { _ in }
    ) throws -> [TuningChoiceRow] {
        let context = try EngineRuntime.open(device: device)
        var trials: [TuningTrial] = []
        var seen: [String] = []
        var convolutions: [(ConvGeometry, ConvolutionPass)] = []
        for spec in specs {
            progress("recording the products of \(spec.name)")
            let workload = try ModelWorkload(spec: spec, batch: batch, context: context)
            let ledger = WorkLedger.start(for: context)
            try workload.trainingStep()
            try context.finish()
            WorkLedger.stop(for: context)
            for recorded in ledger.products {
                if let geometry = recorded.convolution, let pass = recorded.pass,
                   !convolutions.contains(where: { ConvolutionChoice.key($0.0, $0.1) == ConvolutionChoice.key(geometry, pass) }) {
                    convolutions.append((geometry, pass))
                }
                guard let trial = try trial(for: recorded, context: context) else { continue }
                let key = "\(trial.product) \(recorded.convolution.map { "\($0)" } ?? "")"
                if seen.contains(key) { continue }
                seen.append(key)
                trials.append(trial)
            }
        }
        var table = try store.load(for: device) ?? GEMMTuningTable(device: device)
        let tuner = GEMMTuner(candidates: candidates ?? GEMMTuner.candidates(for: device))
        let results = tuner.tune(trials, baseline: { context.profile.tiles(for: $0) }, table: &table, progress: progress)
        // The algorithms race on the tiles just chosen.
        var profile = table.profile ?? context.profile
        let tuned = try EngineRuntime.open(device: device, tuning: DeviceTuning(profile: profile, choices: table))
        let algorithmResults = try tuneAlgorithms(convolutions, context: tuned, progress: progress)
        for result in algorithmResults { profile.convolutionAlgorithms[result.key] = result.winner }
        table.profile = profile
        try store.save(table, for: device)
        let gemmRows = results.map {
            TuningChoiceRow(shapeClass: $0.shapeClass, tuning: $0.winner?.description ?? "none", gflops: $0.gflops,
                            defaultGFLOPS: $0.defaultGFLOPS, rejected: $0.rejected)
        }
        return gemmRows + algorithmResults.map { result in
            let gflops = { (name: String?) in name.flatMap { result.seconds[$0] }.map { result.product.flops / $0 / 1e9 } ?? 0 }
            return TuningChoiceRow(shapeClass: result.key, tuning: "algorithm \(result.winner ?? "none")", gflops: gflops(result.winner),
                                   defaultGFLOPS: gflops(result.ruleChoice), rejected: result.rejected)
        }
    }

    /// Each distinct convolution pass the models ran, timed with every algorithm that supports it.
    static func tuneAlgorithms(
        _ convolutions: [(ConvGeometry, ConvolutionPass)], context: ComputeContext, progress: (String) -> Void
    ) throws -> [ConvolutionAlgorithmTuner.Result] {
        let convolution = try Convolution(context, environment: [:])
        return try convolutions.map { geometry, pass in
            progress("timing the convolution algorithms on \(ConvolutionChoice.key(geometry, pass))")
            return try ConvolutionAlgorithmTuner().tune(convolution, geometry: geometry, pass: pass)
        }
    }

    /// The trial that times `recorded` the way the engine runs it; nil for products with no
    /// tile configuration to choose (naive-sized GEMMs, weight gradients).
    static func trial(for recorded: RecordedProduct, context: ComputeContext) throws -> TuningTrial? {
        let p = recorded.product
        guard p.m * p.n * p.k >= 32 * 32 * 32 else { return nil }
        switch (p.kernel, recorded.convolution, recorded.pass) {
        case let (.convolution, geometry?, pass?) where pass != .backwardWeights:
            // Tiny images take im2col + the packed GEMM: tune that GEMM instead.
            if try Convolution(context).algorithm(for: geometry, pass) is DirectConvolution {
                return try ConvolutionTrial(context, geometry: geometry, pass: pass)
            }
            return GEMMTrial(context, m: p.m, n: p.n, k: p.k, batch: min(p.batch, 8))
        case (.gemm, _, _):
            return GEMMTrial(context, m: p.m, n: p.n, k: p.k, batch: min(p.batch, 8))
        default:
            return nil
        }
    }
}
