import Foundation

/// `pneumo bench`'s tables for people.
public enum BenchReportText {
    public static func render(_ report: BenchReport) -> String {
        var out: [String] = []
        let d = report.device
        out.append("device: \(d.name) (\(d.kind), \(d.platform), driver \(d.driver), \(d.computeUnits) compute units, \(mebibytes(d.globalMemoryBytes)))")
        out.append("")
        var table = [["model", "batch", "input", "params", "train img/s", "min-max", "img/CPU-s", "infer img/s", "peak memory", "peak live"]]
        for r in report.models {
            table.append([
                r.model, String(r.batch), r.inputShape.map(String.init).joined(separator: "x"), String(r.parameters),
                fixed(r.trainingImagesPerSecond), "\(fixed(r.trainingWindows.min() ?? 0))-\(fixed(r.trainingWindows.max() ?? 0))",
                r.trainingImagesPerCPUSecond.map(fixed) ?? "-",
                r.inferenceImagesPerSecond.map(fixed) ?? "-", mebibytes(r.peakDeviceBytes), r.peakLiveBytes.map(mebibytes) ?? "-",
            ])
        }
        if !report.models.isEmpty { out.append(columns(table)) }
        for r in report.models {
            if let p = r.profile {
                out.append("")
                out.append(profileText(p))
            }
            if let p = r.inferenceProfile {
                out.append("")
                out.append(profileText(p, of: "inference pass"))
            }
        }
        if !report.gemm.isEmpty {
            out.append("")
            out.append("GEMM shapes timed alone (GFLOP/s, median; convolutions as the GEMM they amount to):")
            var rows = [["m", "n", "k", "batch", "tiles", "ours", "CLBlast", "used by"]]
            for g in report.gemm {
                rows.append([
                    String(g.m), String(g.n), String(g.k), String(g.batch), g.tuning, fixed(g.gflops),
                    g.clblastGFLOPS.map(fixed) ?? "-", g.uses.joined(separator: "; "),
                ])
            }
            out.append(columns(rows))
        }
        if let tuning = report.tuning, !tuning.isEmpty {
            out.append("")
            out.append("tuned GEMM tiles (stored for this device and driver):")
            var rows = [["shape class", "tiles", "GFLOP/s", "default GFLOP/s", "rejected"]]
            for t in tuning {
                rows.append([t.shapeClass, t.tuning, fixed(t.gflops), fixed(t.defaultGFLOPS), t.rejected.isEmpty ? "-" : "\(t.rejected.count)"])
            }
            out.append(columns(rows))
        }
        for note in report.notes { out.append("note: \(note)") }
        return out.joined(separator: "\n")
    }

    /// Per-layer and per-kernel tables of one profile.
    public static func profileText(_ p: StepProfile, of what: String = "training step") -> String {
        var out: [String] = []
        let rate = p.wallMilliseconds > 0 ? Double(p.batch) / p.wallMilliseconds * 1000 : 0
        out.append("\(p.model), batch \(p.batch): \(what) \(fixed(p.deviceMilliseconds)) ms of kernels, "
            + "\(fixed(p.wallMilliseconds)) ms wall with a barrier per layer (\(fixed(rate)) img/s), "
            + "\(fixed(p.flops / 1e9)) GFLOP counted (\(fixed(p.flops / max(p.deviceMilliseconds, 1e-9) / 1e6)) GFLOP/s overall)")
        var layers = [["pass", "layer", "output", "ms", "share", "GFLOP/s", "GB/s", "kernels"]]
        for s in p.segments where s.deviceMilliseconds > 0 || s.pass == "upload" {
            let kernels = s.kernels.sorted { $0.value > $1.value }.map { "\($0.key) \(fixed($0.value))" }.joined(separator: ", ")
            layers.append([
                s.pass, s.layer.map { "\($0) \(s.name)" } ?? s.name, s.shape.map(String.init).joined(separator: "x"),
                fixed(s.pass == "upload" ? s.wallMilliseconds : s.deviceMilliseconds), percent(s.deviceMilliseconds / max(p.deviceMilliseconds, 1e-9)),
                s.gflops.map(fixed) ?? "-", s.gigabytesPerSecond.map(fixed) ?? "-", kernels,
            ])
        }
        out.append(columns(layers))
        out.append("")
        var kernels = [["kernel", "launches", "ms/step", "share", "GFLOP/s", "GB/s"]]
        for k in p.kernels {
            kernels.append([
                k.name, fixed(k.launchesPerStep), fixed(k.milliseconds), percent(k.share), k.gflops.map(fixed) ?? "-",
                k.gigabytesPerSecond.map { (k.bytesEstimated ? "~" : "") + fixed($0) } ?? "-",
            ])
        }
        out.append(columns(kernels))
        out.append("(~: traffic estimated from the layer's tensor sizes; upload row: wall time)")
        return out.joined(separator: "\n")
    }

    static func fixed(_ value: Double) -> String {
        if value >= 100 { return String(format: "%.0f", value) }
        if value >= 10 { return String(format: "%.1f", value) }
        return String(format: "%.2f", value)
    }

    static func percent(_ share: Double) -> String { String(format: "%.1f%%", share * 100) }

    static func mebibytes(_ bytes: Int) -> String { String(format: "%.1f MiB", Double(bytes) / 1_048_576) }

    /// Left-aligned columns separated by two spaces.
    static func columns(_ rows: [[String]]) -> String {
        guard let count = rows.map(\.count).max() else { return "" }
        let widths = (0..<count).map { c in rows.map { c < $0.count ? $0[c].count : 0 }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { c, cell in
                c == row.count - 1 ? cell : cell.padding(toLength: widths[c], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}
