import Engine
import Foundation
import OpenCLKit

/// Picks tile configurations for a device: for each shape class of the given trials, every
/// candidate is checked against the reference on each trial (a wrong candidate cannot win),
/// then timed in interleaved rounds; the fastest median total wins and goes into the
/// device's table.
public struct GEMMTuner {
    /// What happened to one shape class.
    public struct ClassResult: Sendable {
        public let shapeClass: String
        /// The winner; nil when no candidate passed validation.
        public let winner: GEMMTuning?
        public let gflops: Double
        /// Speed of the configuration used before tuning (0 when it failed).
        public let defaultGFLOPS: Double
        /// Candidate description -> why it was left out.
        public let rejected: [String: String]
        public let products: [String]
    }

    public var candidates: [GEMMTuning]
    /// A candidate replaces the baseline only when it is at least this much faster (0.05 = 5%),
    /// so timing noise on a busy machine does not swap in a configuration that is no better.
    public var minimumGain: Double
    /// Every candidate is timed once per round, the rounds one after another and the order
    /// rotated each round, and its median round counts: a burst of load on a shared machine
    /// then hits every candidate alike instead of sinking whichever ran during it.
    public var rounds: Int

    public init(candidates: [GEMMTuning], minimumGain: Double = 0.05, rounds: Int = 5) {
        self.candidates = candidates
        self.minimumGain = minimumGain
        self.rounds = rounds
    }

    /// Tunes every shape class in `trials`; `baseline(product)` (what the engine uses without
    /// a stored choice) is always a candidate. Winners are written into `table`.
    public func tune(
        _ trials: [TuningTrial], baseline: (TunedProduct) -> GEMMTuning, table: inout GEMMTuningTable,
        progress: (String) -> Void = { _ in }
    ) -> [ClassResult] {
        var classes: [String: [TuningTrial]] = [:]
        var order: [String] = []
        for trial in trials {
            let key = trial.product.shapeClass.description
            if classes[key] == nil { order.append(key) }
            classes[key, default: []].append(trial)
        }
        var results: [ClassResult] = []
        for key in order {
            let members = classes[key] ?? []
            guard let first = members.first else { continue }
            let baseline = baseline(first.product)
            let all = [baseline] + candidates.filter { $0 != baseline }
            let flops = members.reduce(0) { $0 + $1.product.flops }
            var rejected: [String: String] = [:]
            var valid: [GEMMTuning] = []
            for candidate in all {
                do {
                    for trial in members { try trial.validate(candidate) }
                    valid.append(candidate)
                } catch {
                    rejected[candidate.description] = "\(error)"
                    progress("\(key): \(candidate) rejected: \(error)")
                }
            }
            var samples: [GEMMTuning: [Double]] = [:]
            for round in 0..<max(1, rounds) {
                for index in valid.indices {
                    let candidate = valid[(index + round) % valid.count]
                    guard rejected[candidate.description] == nil else { continue }
                    do {
                        samples[candidate, default: []].append(try members.reduce(0) { $0 + (try $1.seconds(candidate)) })
                    } catch {
                        rejected[candidate.description] = "\(error)"
                        progress("\(key): \(candidate) failed: \(error)")
                    }
                }
            }
            var best: (tuning: GEMMTuning, seconds: Double)?
            var baselineSeconds: Double?
            for candidate in valid where rejected[candidate.description] == nil {
                guard let total = samples[candidate].map(GEMMTuner.median) else { continue }
                progress("\(key): \(candidate) \(String(format: "%.1f", flops / total / 1e9)) GFLOP/s")
                if candidate == baseline { baselineSeconds = total }
                if best == nil || total < best!.seconds { best = (candidate, total) }
            }
            let shapes = members.map(\.product.description)
            if let baselineSeconds, let current = best, current.seconds * (1 + minimumGain) > baselineSeconds {
                best = (baseline, baselineSeconds)
            }
            if let best {
                table.choices[key] = GEMMTuningTable.Choice(
                    tuning: best.tuning, gflops: flops / best.seconds / 1e9,
                    defaultGFLOPS: baselineSeconds.map { flops / $0 / 1e9 } ?? 0, shapes: shapes)
            }
            results.append(ClassResult(
                shapeClass: key, winner: best?.tuning, gflops: best.map { flops / $0.seconds / 1e9 } ?? 0,
                defaultGFLOPS: baselineSeconds.map { flops / $0 / 1e9 } ?? 0, rejected: rejected, products: shapes))
        }
        return results
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    /// A small set of candidates for a device: register blocks of about 24 accumulators for
    /// CPUs (vector width as the driver prefers), small blocks in wide groups for GPUs.
    public static func candidates(for device: Device) -> [GEMMTuning] { candidates(for: DeviceProfile.defaults(for: device)) }

    /// The candidates for a profile's kernel variants: the vector width of its GEMM tiles on
    /// CPUs, wide groups on GPUs.
    public static func candidates(for profile: DeviceProfile) -> [GEMMTuning] {
        switch profile.family {
        case .cpu:
            if profile.gemmTiles.vectorWidth >= 16 {
                return [
                    GEMMTuning(tileRows: 6, tileColumns: 64, vectorWidth: 16), GEMMTuning(tileRows: 4, tileColumns: 64, vectorWidth: 16),
                    GEMMTuning(tileRows: 8, tileColumns: 48, vectorWidth: 16), GEMMTuning(tileRows: 12, tileColumns: 32, vectorWidth: 16),
                    GEMMTuning(tileRows: 8, tileColumns: 32, vectorWidth: 16), GEMMTuning(tileRows: 14, tileColumns: 32, vectorWidth: 16),
                ]
            }
            return [
                GEMMTuning(tileRows: 6, tileColumns: 16, vectorWidth: 8), GEMMTuning(tileRows: 4, tileColumns: 24, vectorWidth: 8),
                GEMMTuning(tileRows: 3, tileColumns: 32, vectorWidth: 8), GEMMTuning(tileRows: 6, tileColumns: 32, vectorWidth: 16),
                GEMMTuning(tileRows: 4, tileColumns: 16, vectorWidth: 8),
            ]
        case .gpu:
            return [
                GEMMTuning(tileRows: 4, tileColumns: 8, vectorWidth: 4, localSize: 32), GEMMTuning(tileRows: 4, tileColumns: 8, vectorWidth: 4, localSize: 64),
                GEMMTuning(tileRows: 8, tileColumns: 8, vectorWidth: 4, localSize: 64), GEMMTuning(tileRows: 4, tileColumns: 4, vectorWidth: 4, localSize: 128),
                GEMMTuning(tileRows: 2, tileColumns: 8, vectorWidth: 4, localSize: 128), GEMMTuning(tileRows: 8, tileColumns: 16, vectorWidth: 4, localSize: 32),
            ]
        }
    }
}
