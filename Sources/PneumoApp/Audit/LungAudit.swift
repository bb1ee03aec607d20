import Engine
import Foundation
import OpenCLKit
import PneumoData

/// What the lung audit found: the model's ROC AUC on a split as is, with the lungs hidden and
/// with only the lungs shown.
public struct LungAuditResult: Codable, Equatable, Sendable {
    /// Always "lungs"; tells the two audits' files apart.
    public var kind = "lungs"
    /// The checkpoint audited.
    public var checkpoint: String
    /// The data folder and split scored.
    public var dataRoot: String
    public var split: String
    /// The region hidden or kept.
    public var region: LungRegion
    /// ROC AUC of pneumonia against normal on the images as they are.
    public var original: AuditAUC
    /// The same with the central region filled with each image's mean grey.
    public var lungsMasked: AuditAUC
    /// The same with everything outside the central region filled.
    public var lungsOnly: AuditAUC

    /// Whether the model still separates the classes with the lungs hidden.
    public var readsOutsideLungs: Bool {
        (lungsMasked.interval?.lower ?? 0) > ShortcutVerdict.signalLowerBound
    }

    /// One sentence on what the figures mean.
    public var interpretation: String {
        let figures = "ROC AUC on \(split): \(original.text) as is, \(lungsMasked.text) with the lungs masked, "
            + "\(lungsOnly.text) with only the lungs shown"
        if readsOutsideLungs {
            return figures + ". With the lungs masked the model still separates the classes (lower bound above "
                + "\(NumberFormat.fixed(ShortcutVerdict.signalLowerBound, 1))): it reads something outside the lungs, such as "
                + "markers, borders, body size or image shape, and its verdicts must not be trusted as readings of the lungs"
        }
        return figures + ". With the lungs masked the model no longer separates the classes well: no sign that it relies on what lies "
            + "outside the central region"
    }
}

/// Scores a model on a split three times: as is, lungs masked, lungs only.
public enum LungAudit {
    /// Runs the audit of the checkpoint at `checkpoint` on `split` of `root`.
    public static func run(
        checkpoint: URL, root: URL, split: DatasetSplit = .test, context: ComputeContext, region: LungRegion = .standard,
        bootstrap: BootstrapOptions = BootstrapOptions(), batchSize: Int = 32, cacheDirectory: URL? = nil, useCache: Bool = true,
        log: (String) -> Void = { _ in }
    ) throws -> LungAuditResult {
        let model = try TrainedModel.load(from: checkpoint, context: context)
        let scheme = try ImageScoring.labelScheme(for: model)
        let preparation = try DatasetPreparation(
            root: root, labels: scheme, side: model.preprocessing.side, cacheDirectory: cacheDirectory, useCache: useCache, splits: [split])
        let prepared = try preparation.load(split)
        log("\(split.rawValue): \(prepared.report)")
        let images = prepared.images
        // Pneumonia of any kind against normal, so three-class models are audited the same way.
        let labels = images.labels.map { $0 > 0 ? 1 : 0 }
        func auc(_ set: DecodedImageSet, _ name: String) throws -> AuditAUC {
            log("scoring \(set.count) images \(name)")
            let probabilities = try ImageScoring.probabilities(of: set, model: model, batchSize: batchSize)
            // P(pneumonia): the positive class of two, the two pneumonia classes of three.
            let scores = probabilities.map { $0.count == 2 ? $0[1] : 1 - $0[0] }
            return try AuditAUC.measure(labels: labels, scores: scores, bootstrap: bootstrap)
        }
        return LungAuditResult(
            checkpoint: CheckpointPaths(checkpoint).metadata.path, dataRoot: root.path, split: split.rawValue, region: region,
            original: try auc(images, "as they are"),
            lungsMasked: try auc(region.masking(images, fill: .region), "with the lungs masked"),
            lungsOnly: try auc(region.masking(images, fill: .outside), "with only the lungs"))
    }
}
