import Foundation
import PneumoData

/// Several input files that cannot be used, refused together under `--strict`.
public struct PredictionInputError: Error, CustomStringConvertible, Equatable {
    /// Each file and why it cannot be used.
    public let problems: [SkippedFile]

    public var description: String {
        "\(problems.count) input(s) cannot be used (--strict stops here; leave it out to predict the rest):\n"
            + problems.prefix(20).map { "  \($0.file): \($0.reason)" }.joined(separator: "\n")
            + (problems.count > 20 ? "\n  ... and \(problems.count - 20) more" : "")
    }
}

/// Classifies image files with a trained model: `pneumo predict`.
public enum Predictor {
    /// Predicts every JPEG in `paths` (files, or folders searched at any depth), in batches on
    /// the model's device. Files that cannot be used get an entry with the reason, unless
    /// `strict`, which refuses them all before any prediction.
    public static func run(
        model: TrainedModel, paths: [URL], batchSize: Int = 32, strict: Bool = false,
        gate: ImageQualityGate = .standard, lowQuality: LowQualityPolicy = .refuse,
        progress: ((_ done: Int, _ total: Int) -> Void)? = nil
    ) throws -> PredictionResult {
        guard (1...4096).contains(batchSize) else {
            throw EvaluationError.invalidOption("batch size must be between 1 and 4096, got \(batchSize)")
        }
        guard !paths.isEmpty else { throw EvaluationError.invalidOption("no file or folder to predict was given") }
        let scheme = try ImageScoring.labelScheme(for: model)
        let items = PredictionInput.gather(paths, labels: scheme)
        let samples = items.compactMap { item -> ImageSample? in
            if case let .image(sample) = item { return sample }
            return nil
        }
        // Decoded fresh every time (arbitrary inputs would only fill the cache), and each image
        // measured for the quality gate on the way.
        var decoded = decodeAndGate(samples, side: model.preprocessing.side, gate: gate, policy: lowQuality)
        try checkFamiliarity(&decoded, model: model, batchSize: batchSize, policy: lowQuality)
        let images = decoded.images
        let decodeFailures = decoded.failures
        if strict {
            let problems = items.compactMap { item -> SkippedFile? in
                switch item {
                case let .problem(path, reason): return SkippedFile(file: path, reason: reason)
                case let .image(sample): return decodeFailures[sample.file.path].map { SkippedFile(file: sample.file.path, reason: $0) }
                }
            }
            if !problems.isEmpty { throw PredictionInputError(problems: problems) }
        }

        let threshold = model.classNames.count == 2 ? model.threshold : nil
        let probabilities: [[Double]]
        do {
            probabilities = try ImageScoring.probabilities(
                of: images, model: model, batchSize: batchSize, progress: { progress?($0, images.count) })
        } catch let error as NonFiniteOutputError {
            throw error.naming(images.samples[error.imageIndex].file.path)
        }
        var position = [String: Int]()
        for (index, sample) in images.samples.enumerated() { position[sample.file.path] = index }

        var entries = [PredictionEntry]()
        var imageIndex = [Int?]()
        for item in items {
            switch item {
            case let .problem(path, reason):
                entries.append(PredictionEntry(file: path, error: reason))
                imageIndex.append(nil)
            case let .image(sample):
                let trueClass = sample.label.flatMap { model.classNames.indices.contains($0) ? model.classNames[$0] : nil }
                guard let index = position[sample.file.path] else {
                    entries.append(PredictionEntry(
                        file: sample.file.path, trueClass: trueClass, error: decodeFailures[sample.file.path] ?? "could not be decoded"))
                    imageIndex.append(nil)
                    continue
                }
                let classIndex = ImageScoring.predictedClass(probabilities[index], threshold: threshold ?? 0.5)
                let findings = decoded.flagged[sample.file.path]
                entries.append(PredictionEntry(
                    file: sample.file.path, predictedClass: model.classNames[classIndex], classIndex: classIndex,
                    probability: probabilities[index][classIndex], probabilities: probabilities[index], trueClass: trueClass,
                    quality: findings))
                imageIndex.append(index)
            }
        }
        return PredictionResult(
            classNames: model.classNames, threshold: threshold, modelName: model.spec.name, entries: entries,
            images: images, imageIndex: imageIndex)
    }

    /// Images the checks let through, the reason (by path) each other file was stopped, and the
    /// findings of the low-quality images let through flagged.
    private typealias GatedImages = (images: DecodedImageSet, failures: [String: String], flagged: [String: [QualityFinding]])

    /// Decoded images that may be scored, the reason each other file may not, and the findings
    /// of low-quality images that `policy` lets through flagged.
    private static func decodeAndGate(
        _ samples: [ImageSample], side: Int, gate: ImageQualityGate, policy: LowQualityPolicy
    ) -> GatedImages {
        let plane = side * side
        var all = [UInt8](repeating: 0, count: samples.count * plane)
        let results = all.withUnsafeMutableBufferPointer {
            ParallelDecoding.decodeMeasuring(samples.map(\.file), preprocessing: ImagePreprocessing(side: side), into: $0)
        }
        var kept = [Int]()
        var failures = [String: String](), flagged = [String: [QualityFinding]]()
        for (index, (sample, result)) in zip(samples, results).enumerated() {
            switch result {
            case let .failure(error):
                failures[sample.file.path] = reason(error)
                continue
            case let .success(measures):
                let findings = gate.check(measures)
                if !findings.isEmpty {
                    if policy == .refuse {
                        failures[sample.file.path] = LowQualityPolicy.refusal(findings)
                        continue
                    }
                    flagged[sample.file.path] = findings
                }
            }
            kept.append(index)
        }
        return (DecodedImageSet(side: side, samples: samples, pixels: all).subset(kept), failures, flagged)
    }

    /// Applies the model's familiarity check (when it has one) to the images the gate let
    /// through: those unlike its training images are refused, or flagged under `.flag`.
    private static func checkFamiliarity(
        _ decoded: inout GatedImages,
        model: TrainedModel, batchSize: Int, policy: LowQualityPolicy
    ) throws {
        guard model.checksFamiliarity, decoded.images.count > 0 else { return }
        let findings = try model.familiarityFindings(.pixels(decoded.images.pixels), count: decoded.images.count, batchSize: batchSize)
        var kept = [Int]()
        for (index, finding) in findings.enumerated() {
            let path = decoded.images.samples[index].file.path
            if let finding {
                if policy == .refuse {
                    decoded.failures[path] = LowQualityPolicy.refusal([finding])
                    continue
                }
                decoded.flagged[path, default: []].append(finding)
            }
            kept.append(index)
        }
        if kept.count < decoded.images.count { decoded.images = decoded.images.subset(kept) }
    }

    /// The reason a file failed, without its path (the entry names the file).
    private static func reason(_ failure: ImageLoadError) -> String {
        switch failure.reason {
        case let .unreadable(why): return "cannot read: \(why)"
        case let .decode(error): return "\(error)"
        }
    }
}
