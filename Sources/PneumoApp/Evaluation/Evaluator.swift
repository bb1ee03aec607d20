import Engine
import Foundation
import OpenCLKit
import PneumoData

/// An evaluation with what its report draws besides the numbers: the images and the training history.
public struct EvaluationRun: Sendable {
    /// Every number, as written to JSON.
    public let result: EvaluationResult
    /// The evaluated images, in the order of `result.predictions`.
    public let images: DecodedImageSet
    /// The training history found beside the checkpoint, if any.
    public let history: TrainingHistory?
    /// How many correct and how many wrong predictions the report shows.
    public let examples: Int
}

/// Evaluates a checkpoint on one split of a data set: `pneumo evaluate`.
public enum Evaluator {
    /// Loads the model and the split, chooses or reads the threshold, scores every image and
    /// computes the metrics with bootstrap intervals. `log` receives status lines; `progress`
    /// the images scored so far and the total.
    public static func run(
        _ options: EvaluationOptions, context: ComputeContext, log: (String) -> Void = { _ in },
        progress: ((_ done: Int, _ total: Int) -> Void)? = nil
    ) throws -> EvaluationRun {
        try options.validate()
        let model = try TrainedModel.load(from: options.checkpoint, context: context)
        let scheme = try ImageScoring.labelScheme(for: model)
        let binary = model.classNames.count == 2
        if !binary, options.threshold != .fromCheckpoint {
            throw EvaluationError.invalidOption(
                "--threshold applies to two-class models; this one has \(model.classNames.count) classes and predicts the most probable one")
        }
        var notes = [String]()
        notes += model.score(with: options.augmentation)
        let validation = validationSource(for: options.threshold, model: model)
        let share = options.onValidationShare ? ValidationSource(trainingOptions: model.metadata?.trainingOptions ?? .null) : nil
        var splits = share?.splits ?? [options.split]
        for split in validation?.splits ?? [] where !splits.contains(split) { splits.append(split) }
        let preparation = try DatasetPreparation(
            root: options.dataRoot, labels: scheme, side: model.preprocessing.side, cacheDirectory: options.cacheDirectory,
            useCache: options.useCache, strict: options.strict, splits: splits)

        let images: DecodedImageSet
        var loadFailures = [ImageLoadError]()
        let splitName = share == nil ? options.split.rawValue : "validation"
        if let share {
            images = try share.load(with: preparation)
            log("validation: \(images.count) images from \(share)")
            notes.append("evaluated on \(share): these images chose the checkpoint's epoch, threshold and temperature, so its figures here are optimistic")
        } else {
            let prepared = try preparation.load(options.split)
            log("\(options.split.rawValue): \(prepared.report)")
            images = prepared.images
            loadFailures = prepared.report.failures
            notes += scanIssues(preparation.scan.issues, split: options.split, root: options.dataRoot)
        }
        let labels = images.labels
        if let index = labels.firstIndex(where: { !(0..<model.classNames.count).contains($0) }) {
            throw EvaluationError.unusableData("\(images.samples[index].file.path) has no \(scheme.rawValue) label")
        }

        var decision: ThresholdDecision?
        if binary {
            decision = try threshold(
                for: options, model: model, validation: validation, preparation: preparation, log: log)
            if let validation, share == nil, validation.splits.contains(options.split) {
                notes.append("the threshold was chosen on images of the \(options.split.rawValue) split, which is also the split evaluated")
            }
        }

        let started = Date()
        let classCount = model.classNames.count
        let logits = try ImageScoring.logits(
            of: images, model: model, batchSize: options.batchSize, progress: { progress?($0, images.count) })
        let raw = TrainedModel.probabilities(fromLogits: logits, count: images.count, classes: classCount)
        let probabilities = TrainedModel.probabilities(
            fromLogits: logits, count: images.count, classes: classCount, temperature: model.temperature)
        let seconds = Date().timeIntervalSince(started)
        let calibration = EvaluatedCalibration(
            temperature: model.temperature, calibrated: model.metadata?.calibration != nil,
            uncalibrated: CalibrationMetrics.measure(labels: labels, probabilities: raw),
            reported: CalibrationMetrics.measure(labels: labels, probabilities: probabilities))
        let threshold = decision?.threshold ?? 0.5
        var binaryEvaluation: BinaryEvaluation?
        var multiclassEvaluation: MulticlassEvaluation?
        if binary {
            binaryEvaluation = try BinaryEvaluation.evaluate(
                labels: labels, probabilities: probabilities.map { $0[1] }, threshold: threshold, bootstrap: options.bootstrap)
        } else {
            multiclassEvaluation = try MulticlassEvaluation.evaluate(
                labels: labels, probabilities: probabilities.flatMap { $0 }, classNames: model.classNames,
                bootstrap: options.bootstrap)
        }

        let predictions = images.samples.indices.map { index in
            ImagePrediction(
                file: relativePath(images.samples[index].file, root: options.dataRoot), label: labels[index],
                predicted: ImageScoring.predictedClass(probabilities[index], threshold: threshold),
                probabilities: probabilities[index])
        }
        if let note = try familiarityNote(model: model, images: images, predictions: predictions, batchSize: options.batchSize) {
            notes.append(note)
        }
        let skipped = loadFailures.map { SkippedFile(file: $0.file.path, reason: "\($0)") }
        if !skipped.isEmpty { notes.append("\(skipped.count) image(s) of the split could not be decoded and were left out") }
        let (history, historyNote) = trainingHistory(besides: options.checkpoint)
        if let historyNote { notes.append(historyNote) }

        let result = EvaluationResult(
            model: EvaluatedModel(
                name: model.spec.name, checkpoint: CheckpointPaths(options.checkpoint).metadata.path, classNames: model.classNames,
                channels: model.spec.input.channels, size: model.spec.input.size, createdAt: model.metadata?.createdAt,
                dataFingerprint: model.metadata?.dataFingerprint, trainingMetrics: model.metadata?.metrics ?? [:]),
            data: EvaluatedData(
                root: options.dataRoot.path, split: splitName, images: images.count,
                perClass: model.classNames.indices.map { index in labels.filter { $0 == index }.count }, skipped: skipped),
            threshold: decision, binary: binaryEvaluation, multiclass: multiclassEvaluation, bootstrap: options.bootstrap,
            imagesPerSecond: seconds > 0 ? Double(images.count) / seconds : 0, predictions: predictions, notes: notes,
            calibration: calibration,
            operatingPoints: binary ? EvaluatedOperatingPoint.apply(
                model.metadata?.operatingPoints ?? [], inUse: decision?.threshold, labels: labels, probabilities: probabilities.map { $0[1] }) : nil)
        return EvaluationRun(result: result, images: images, history: history, examples: options.examples)
    }

    /// How many evaluated images the model's familiarity check places beyond its limit: predict
    /// and serve would refuse them, evaluation scores them all, so the figures above include them.
    private static func familiarityNote(
        model: TrainedModel, images: DecodedImageSet, predictions: [ImagePrediction], batchSize: Int
    ) throws -> String? {
        guard model.checksFamiliarity, images.count > 0 else { return nil }
        let findings = try model.familiarityFindings(.pixels(images.pixels), count: images.count, batchSize: batchSize)
        let beyond = findings.indices.filter { findings[$0] != nil }
        let wrong = beyond.filter { !predictions[$0].isCorrect }.count
        return "familiarity check: \(beyond.count) of \(images.count) images lie beyond its limit, farther from the training images "
            + "than most validation images (predict, explain and serve would refuse them; all are scored here), \(wrong) of them misclassified"
    }

    /// The validation data a rule must be applied to; nil when no data are needed.
    private static func validationSource(for request: ThresholdRequest, model: TrainedModel) -> ValidationSource? {
        guard case let .strategy(strategy) = request else { return nil }
        if case .fixed = strategy { return nil }
        return ValidationSource(trainingOptions: model.metadata?.trainingOptions ?? .null)
    }

    private static func threshold(
        for options: EvaluationOptions, model: TrainedModel, validation: ValidationSource?,
        preparation: DatasetPreparation, log: (String) -> Void
    ) throws -> ThresholdDecision {
        switch options.threshold {
        case .fromCheckpoint:
            return ThresholdDecision.fromCheckpoint(model.metadata)
        case let .strategy(strategy):
            if case let .fixed(value) = strategy {
                guard (0...1).contains(value) else {
                    throw EvaluationError.invalidOption("a threshold on a probability must lie in [0, 1], got \(value)")
                }
                return ThresholdDecision.given(value)
            }
            let source = validation ?? .officialVal
            let images = try source.load(with: preparation)
            log("validation for the threshold: \(images.count) images from \(source)")
            let probabilities = try ImageScoring.probabilities(of: images, model: model, batchSize: options.batchSize)
            return try ThresholdDecision.chosen(
                strategy, on: source, labels: images.labels, probabilities: probabilities.map { $0[1] })
        }
    }

    /// Data set problems found under the evaluated split, as notes.
    private static func scanIssues(_ issues: [DatasetIssue], split: DatasetSplit, root: URL) -> [String] {
        let prefix = root.appendingPathComponent(split.rawValue).path
        return issues.filter { $0.path.path.lowercased().hasPrefix(prefix.lowercased()) }.map { "data: \($0)" }
    }

    /// `history.json` in the checkpoint's folder, as `pneumo train` writes it; a note when it cannot be read.
    static func trainingHistory(besides checkpoint: URL) -> (TrainingHistory?, String?) {
        let url = CheckpointPaths(checkpoint).metadata.deletingLastPathComponent().appendingPathComponent("history.json")
        guard FileManager.default.fileExists(atPath: url.path) else { return (nil, nil) }
        do {
            return (try TrainingHistory.read(json: url), nil)
        } catch {
            return (nil, "training curves left out: \(error)")
        }
    }

    static func relativePath(_ file: URL, root: URL) -> String {
        let base = root.standardizedFileURL.path
        let path = file.standardizedFileURL.path
        guard path.hasPrefix(base + "/") else { return path }
        return String(path.dropFirst(base.count + 1))
    }
}
