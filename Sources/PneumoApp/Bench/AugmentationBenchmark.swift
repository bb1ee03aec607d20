import Engine
import Foundation
import OpenCLKit

/// Median time of augmenting one training batch under one setting.
public struct AugmentationTiming: Codable, Sendable {
    /// The setting's name, e.g. "default".
    public let name: String
    /// The setting in words (`AugmentationSettings.summary`, then the mixing's).
    public let settings: String
    /// Median milliseconds per batch: drawing the parameters, uploading them and the kernel.
    public let milliseconds: Double
}

/// `pneumo bench --augmentation`: the cost of training augmentation per batch (random
/// images of the training shape, 1 channel), for the default settings and for each extra
/// lever switched on, mixing (mixup, CutMix) included. The settings alternate within each repeat, so load on a shared machine
/// falls on all of them alike; medians are reported.
public enum AugmentationBenchmark {
    /// One setting to time: augmentation, then mixing when `mixing` is set.
    public struct Setting: Sendable {
        public let name: String
        public let augmentation: AugmentationSettings
        public let mixing: MixingSettings?

        /// The setting in words, for the table.
        var summary: String { augmentation.summary + (mixing.map { "; \($0.summary)" } ?? "") }
    }

    /// The settings that can be timed, the default first (the baseline of the ratios): the
    /// default, and the default with gamma 0.3, with erasing at p 0.5, with both, with local
    /// contrast 0.5, then mixed by mixup (alpha 0.2) and by CutMix (alpha 1) on every batch.
    public static var settings: [Setting] {
        let base = TrainingOptions.defaultAugmentation
        var gamma = base, erase = base, both = base, local = base
        gamma.gamma = 0.3
        erase.eraseProbability = 0.5
        both.gamma = 0.3
        both.eraseProbability = 0.5
        local.localContrast = 0.5
        return [
            Setting(name: "default", augmentation: base, mixing: nil), Setting(name: "gamma", augmentation: gamma, mixing: nil),
            Setting(name: "erase", augmentation: erase, mixing: nil), Setting(name: "both", augmentation: both, mixing: nil),
            Setting(name: "local-contrast", augmentation: local, mixing: nil),
            Setting(name: "mixup", augmentation: base, mixing: MixingSettings(mixup: 0.2)),
            Setting(name: "cutmix", augmentation: base, mixing: MixingSettings(cutmix: 1)),
        ]
    }

    /// Times `steps` batches of `batch` x 1 x `side` x `side` per repeat, `repeats` times after
    /// one untimed warm-up, for the settings named in `names` (all when nil). A mixed setting
    /// counts drawing its plan and the mix kernel on top of the augmentation.
    public static func run(batch: Int, side: Int, steps: Int, repeats: Int, names: [String]? = nil, device: Device) throws -> [AugmentationTiming] {
        let settings = try chosen(names)
        let context = try EngineRuntime.open(device: device)
        var generator = SeededGenerator(seed: 1)
        let shape = [batch, 1, side, side]
        let input = try Tensor(context, shape: shape, values: (0..<shape.reduce(1, *)).map { _ in generator.nextUniform() })
        let augmenters = try settings.map { try Augmenter(context: context, settings: $0.augmentation, seed: 7) }
        let mixer = try settings.contains { $0.mixing != nil } ? Mixer(context: context) : nil
        var mixing = SeededGenerator(seed: 9)
        var times = [[Double]](repeating: [], count: augmenters.count)
        for repeatIndex in -1..<repeats {  // -1: untimed warm-up (kernel build, buffer pool)
            for (index, augmenter) in augmenters.enumerated() {
                try context.finish()
                let start = DispatchTime.now().uptimeNanoseconds
                for _ in 0..<steps {
                    let augmented = try augmenter(input)
                    if let mixer, let settings = settings[index].mixing,
                       let plan = MixingPlan.draw(count: batch, width: side, height: side, settings: settings, generator: &mixing) {
                        _ = try mixer.apply(augmented, plan: plan)
                    }
                }
                try context.finish()
                if repeatIndex >= 0 {
                    times[index].append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6 / Double(steps))
                }
            }
        }
        return zip(settings, times).map { AugmentationTiming(name: $0.name, settings: $0.summary, milliseconds: ThroughputMeter.median($1)) }
    }

    /// The settings named, in the order given; an unknown name is an error that lists the known ones.
    static func chosen(_ names: [String]?) throws -> [Setting] {
        guard let names else { return settings }
        return try names.map { name in
            guard let found = settings.first(where: { $0.name == name }) else {
                throw TrainingError.invalidOption(
                    "no augmentation setting '\(name)' to time; choose from \(settings.map(\.name).joined(separator: ", "))")
            }
            return found
        }
    }

    /// A text table: milliseconds per batch and the ratio to the first row.
    public static func render(_ rows: [AugmentationTiming], batch: Int, side: Int) -> String {
        var lines = ["augmentation of one batch of \(batch) x 1 x \(side) x \(side)", "setting          |  ms/batch |   vs first | strengths"]
        let base = rows.first?.milliseconds ?? 0
        for row in rows {
            let ratio = base > 0 ? String(format: "%.2fx", row.milliseconds / base) : "-"
            lines.append([
                row.name.padding(toLength: 16, withPad: " ", startingAt: 0), pad(String(format: "%.3f", row.milliseconds), 9),
                pad(ratio, 10), row.settings,
            ].joined(separator: " | "))
        }
        return lines.joined(separator: "\n")
    }

    private static func pad(_ text: String, _ width: Int) -> String { String(repeating: " ", count: max(0, width - text.count)) + text }
}
