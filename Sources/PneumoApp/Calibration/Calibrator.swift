import Engine
import Foundation
import OpenCLKit
import PneumoData

/// Fits a checkpoint's temperature and operating points on the validation data it was trained
/// against, and stores them in its metadata: `pneumo calibrate`, and the last step of `pneumo train`.
public enum Calibrator {
    /// The goals of the operating points stored beside the threshold in use.
    public static let operatingGoals: [ThresholdStrategy] = [
        .youden, .targetSensitivity(0.95), .targetSensitivity(0.97), .targetSensitivity(0.99),
    ]

    /// Calibrates the checkpoint at `checkpoint` on its validation images under `dataRoot` and
    /// rewrites its metadata; returns the new metadata. The weights are not touched.
    /// `augmentation` says whether the logits are averaged over test-time copies (the model then
    /// scores that way everywhere); by default as the checkpoint was calibrated before.
    @discardableResult
    public static func calibrate(
        checkpoint: URL, dataRoot: URL, context: ComputeContext, cacheDirectory: URL? = nil, useCache: Bool = true,
        batchSize: Int = 32, augmentation: TestTimeAugmentationChoice = .asStored, log: (String) -> Void = { _ in }
    ) throws -> CheckpointMetadata {
        try calibrate(
            checkpoints: [checkpoint], dataRoot: dataRoot, context: context, cacheDirectory: cacheDirectory,
            useCache: useCache, batchSize: batchSize, augmentation: augmentation, log: log)[0].get()
    }

    /// Calibrates several checkpoints, each on its own validation images, scanning the data and
    /// decoding those images once for all checkpoints that share them (a run's best, last and
    /// averaged); one result per checkpoint, so one failure leaves the others calibrated.
    public static func calibrate(
        checkpoints: [URL], dataRoot: URL, context: ComputeContext, cacheDirectory: URL? = nil, useCache: Bool = true,
        batchSize: Int = 32, augmentation: TestTimeAugmentationChoice = .asStored, log: (String) -> Void = { _ in }
    ) -> [Result<CheckpointMetadata, Error>] {
        var loaded = [String: (training: DecodedImageSet, validation: DecodedImageSet)]()
        return checkpoints.map { checkpoint in
            Result {
                let model = try TrainedModel.load(from: checkpoint, context: context)
                guard let metadata = model.metadata else {
                    throw EvaluationError.invalidOption("\(checkpoint.path) has no metadata to store a calibration in")
                }
                let source = ValidationSource(trainingOptions: metadata.trainingOptions)
                let scheme = try ImageScoring.labelScheme(for: model)
                let key = "\(source) \(scheme.rawValue) \(model.spec.input.size)"
                let sets = try loaded[key] ?? {
                    let preparation = try DatasetPreparation(
                        root: dataRoot, labels: scheme, side: model.preprocessing.side,
                        cacheDirectory: cacheDirectory, useCache: useCache, splits: source.splitsWithTraining)
                    return try source.loadWithTraining(with: preparation)
                }()
                loaded[key] = sets
                let images = sets.validation
                model.scoringAugmentation = augmentation.resolved(stored: model.scoringAugmentation)
                let scoring = model.scoringAugmentation.map { ", each scored as \($0.summary)" } ?? ""
                log("calibrating \(checkpoint.lastPathComponent) on \(images.count) images: \(source)\(scoring)")
                let logits = try ImageScoring.logits(of: images, model: model, batchSize: batchSize)
                var result = try calibrated(
                    metadata, logits: logits, labels: images.labels, fittedOn: source.description,
                    testTimeAugmentation: model.scoringAugmentation)
                // An ensemble's members keep their own checks; a network gets its own here.
                if model.members.isEmpty {
                    result.familiarity = familiarity(of: model, sets, source: source, batchSize: batchSize, log: log)
                }
                try CheckpointStore.replaceMetadata(result, at: checkpoint)
                return result
            }
        }
    }

    /// The familiarity check fitted on the training images the validation images were held out
    /// of, or nil (said in the log) when the model's feature layer does not allow one.
    private static func familiarity(
        of model: TrainedModel, _ sets: (training: DecodedImageSet, validation: DecodedImageSet), source: ValidationSource,
        batchSize: Int, log: (String) -> Void
    ) -> FeatureFamiliarity? {
        do {
            log("fitting the familiarity check on \(sets.training.count) training images, its limit on \(sets.validation.count) validation images")
            return try model.fitFamiliarity(
                training: sets.training, validation: sets.validation, fittedOn: source.trainingDescription, batchSize: batchSize)
        } catch {
            log("\(error)")
            return nil
        }
    }

    /// `metadata` with a temperature fitted to `logits` and `labels`, the threshold in use chosen
    /// again by its own rule on the calibrated probabilities (the same decisions: the temperature
    /// keeps the order), and the operating points of `operatingGoals`. `testTimeAugmentation`
    /// records the copies `logits` were averaged over, if any.
    public static func calibrated(
        _ metadata: CheckpointMetadata, logits: [Float], labels: [Int], fittedOn: String,
        testTimeAugmentation: TestTimeAugmentation? = nil
    ) throws -> CheckpointMetadata {
        let classes = metadata.classNames.count
        let raw = logits.map(Double.init)
        let temperature = try TemperatureScaling.fit(logits: raw, labels: labels, classes: classes)
        let before = TrainedModel.probabilities(fromLogits: logits, count: labels.count, classes: classes)
        let after = TrainedModel.probabilities(fromLogits: logits, count: labels.count, classes: classes, temperature: temperature)
        var result = metadata
        result.calibration = CalibrationRecord(
            temperature: temperature, fittedOn: fittedOn, images: labels.count,
            before: CalibrationMetrics.measure(labels: labels, probabilities: before),
            after: CalibrationMetrics.measure(labels: labels, probabilities: after),
            testTimeAugmentation: testTimeAugmentation)
        guard classes == 2 else { return result }
        let positive = after.map { $0[1] }
        if let inUse = metadata.threshold, inUse.strategy.isChosenOnData {
            result.threshold = try ThresholdChoice.choose(inUse.strategy, labels: labels, probabilities: positive, chosenOn: inUse.chosenOn)
        }
        result.operatingPoints = try operatingGoals.map {
            try ThresholdChoice.choose($0, labels: labels, probabilities: positive, chosenOn: "validation")
        }
        return result
    }
}

extension ThresholdStrategy {
    /// Whether the rule picks its threshold from data (a fixed number does not).
    var isChosenOnData: Bool {
        if case .fixed = self { return false }
        return true
    }
}
