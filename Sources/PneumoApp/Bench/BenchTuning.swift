import Engine
import Foundation

/// `pneumo bench --tune`: finds the products the models run, tunes their shape classes on
/// the device and stores the winners where every later GEMM on the device finds them.
public enum BenchTuning {
    /// Records one training step of each model, turns its tunable products into trials
    /// (plain GEMMs, and stride-1 convolution passes on the direct kernels), tunes them and
    /// saves the device's table in `store`.
    public static func run(
        specs: [ArchitectureSpec], batch: Int, device: Device, store: TuningStore, candidates: [GEMMTuning]? = nil,
        progress: (String) -> Void = { _ in }
    ) throws -> [TuningChoiceRow] {
        let context = try ComputeContext(device: device)
        var trials: [TuningTrial] = []
        var seen: [String] = []
        for spec in specs {
            progress("recording the products of \(spec.name)")
            let workload = try ModelWorkload(spec: spec, batch: batch, context: context)
            let ledger = WorkLedger.start(for: context)
            try workload.trainingStep()
            try context.finish()
            WorkLedger.stop(for: context)
            for recorded in ledger.products {
                guard let trial = try trial(for: recorded, context: context) else { continue }
                let key = "\(trial.product) \(recorded.convolution.map { "\($0)" } ?? "")"
                if seen.contains(key) { continue }
                seen.append(key)
                trials.append(trial)
            }
        }
        var table = try store.load(for: device) ?? GEMMTuningTable(device: device)
        let tuner = GEMMTuner(candidates: candidates ?? GEMMTuner.candidates(for: device))
        let results = tuner.tune(trials, baseline: { GEMMTuning.defaults(for: device, product: $0) }, table: &table, progress: progress)
        try store.save(table, for: device)
        return results.map {
            TuningChoiceRow(shapeClass: $0.shapeClass, tuning: $0.winner?.description ?? "none", gflops: $0.gflops,
                            defaultGFLOPS: $0.defaultGFLOPS, rejected: $0.rejected)
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
            if try Convolution(context).runsDirect(geometry, pass) {
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
