import Engine
import Foundation
import OpenCLKit
import PneumoApp
import PneumoData

/// The `XRayClassifier` for a trained checkpoint: decodes uploads at the model's input size,
/// runs them through the network on the device in one batch, and draws Grad-CAM heatmaps for
/// the images that ask for one.
///
/// The model, its Grad-CAM and the JPEG decoder are touched only from one serial queue
/// (`DeviceWorker`), which makes the unchecked `Sendable` safe and keeps device work off the
/// cooperative thread pool.
public final class TrainedModelClassifier: XRayClassifier, @unchecked Sendable {
    /// The checkpoint's description: architecture, classes, threshold, training metrics.
    public let metadata: ModelMetadata
    private let model: TrainedModel
    private let gradCAM: GradCAM?
    private let decoder: JPEGDecoder
    private let worker: DeviceWorker
    private let deviceBatchSize: Int

    /// Loads the checkpoint at `checkpoint` (a `.json`/`.safetensors` path, their stem, or a
    /// directory holding `model.*`) onto `context`. Decoding refuses images above `maxPixels`.
    public static func load(
        checkpoint: URL, context: ComputeContext, maxPixels: Int = JPEGDecoder.defaultMaxPixels, deviceBatchSize: Int = 32
    ) async throws -> TrainedModelClassifier {
        let worker = DeviceWorker(label: "pneumo.model")
        return try await worker.run {
            let model = try TrainedModel.load(from: checkpoint, context: context)
            return try TrainedModelClassifier(model: model, maxPixels: maxPixels, deviceBatchSize: deviceBatchSize, worker: worker)
        }
    }

    /// Serves `model`, which the caller must not use any more. Models without a convolutional
    /// layer classify but give no heatmap.
    public convenience init(model: TrainedModel, maxPixels: Int = JPEGDecoder.defaultMaxPixels, deviceBatchSize: Int = 32) throws {
        try self.init(model: model, maxPixels: maxPixels, deviceBatchSize: deviceBatchSize, worker: DeviceWorker(label: "pneumo.model"))
    }

    private init(model: TrainedModel, maxPixels: Int, deviceBatchSize: Int, worker: DeviceWorker) throws {
        self.model = model
        do {
            gradCAM = try GradCAM(model: model)
        } catch ExplainError.noSpatialLayer {
            gradCAM = nil
        }
        // The decoder also refuses output sizes above its limit; the model's own input never is.
        let side = model.preprocessing.side
        decoder = try JPEGDecoder(maxPixels: max(maxPixels, side * side))
        self.worker = worker
        self.deviceBatchSize = max(1, deviceBatchSize)
        metadata = try ModelMetadata(model: model, explainedLayer: gradCAM?.layerDescription)
    }

    /// Decodes and classifies a batch on the model's queue; an undecodable image fails alone.
    public func classify(_ images: [ImageInput]) async throws -> [ClassificationOutcome] {
        try await worker.run { try self.classifyOnWorker(images) }
    }

    /// Whether heatmaps can be drawn for this model (it has a convolutional layer).
    public var drawsHeatmaps: Bool { gradCAM != nil }

    private func classifyOnWorker(_ images: [ImageInput]) throws -> [ClassificationOutcome] {
        let side = model.preprocessing.side
        var failures: [Int: ImageInputError] = [:]
        var flagged: [Int: [QualityFinding]] = [:]
        var decoded: [Int] = []
        var pixels: [UInt8] = []
        pixels.reserveCapacity(images.count * side * side)
        for (index, image) in images.enumerated() {
            do {
                let measured = try decodeUpload(image)
                // The same gate as `pneumo predict`: garbage gets a refusal, not a confident verdict.
                let findings = ImageQualityGate.standard.check(measured.measures)
                if !findings.isEmpty {
                    guard image.lowQuality == .flag else {
                        failures[index] = .lowQuality(findings)
                        continue
                    }
                    flagged[index] = findings
                }
                pixels += measured.image.pixels
                decoded.append(index)
            } catch let error as JPEGDecodeError {
                guard let inputError = ImageInputError(decoding: error) else { throw error }
                failures[index] = inputError
            }
        }
        try screenFamiliarity(images, decoded: &decoded, pixels: &pixels, failures: &failures, flagged: &flagged)
        var answers: [Int: Classification] = [:]
        if !decoded.isEmpty {
            let results = try run(.pixels(pixels), count: decoded.count, heatmaps: decoded.map { images[$0].wantsHeatmap })
            for (index, result) in zip(decoded, results) {
                var answer = result
                answer.qualityFindings = flagged[index]
                answers[index] = answer
            }
        }
        return try images.indices.map { index in
            if let answer = answers[index] { return .success(answer) }
            if let failure = failures[index] { return .failure(failure) }
            throw ClassifierFailure.missingResult(index: index)
        }
    }

    /// The model's familiarity check on the images the gate let through: those unlike its
    /// training images get the same refusal as a failed gate rule, or are flagged under `flag`.
    private func screenFamiliarity(
        _ images: [ImageInput], decoded: inout [Int], pixels: inout [UInt8], failures: inout [Int: ImageInputError],
        flagged: inout [Int: [QualityFinding]]
    ) throws {
        guard model.checksFamiliarity, !decoded.isEmpty else { return }
        let plane = model.preprocessing.side * model.preprocessing.side
        let findings = try model.familiarityFindings(.pixels(pixels), count: decoded.count, batchSize: deviceBatchSize)
        var keptIndices: [Int] = []
        var keptPixels: [UInt8] = []
        keptPixels.reserveCapacity(pixels.count)
        for (position, index) in decoded.enumerated() {
            if let finding = findings[position] {
                guard images[index].lowQuality == .flag else {
                    failures[index] = .lowQuality([finding])
                    continue
                }
                flagged[index, default: []].append(finding)
            }
            keptIndices.append(index)
            keptPixels += pixels[(position * plane)..<((position + 1) * plane)]
        }
        decoded = keptIndices
        pixels = keptPixels
    }

    /// An upload decoded to the model's input size, with the measures the quality gate reads.
    /// Called on the model's queue only (the decoder serves one thread).
    func decodeUpload(_ image: ImageInput) throws -> (image: GrayImage, measures: ImageQualityMeasures) {
        try decoder.decodeMeasured(Data(image.jpeg), side: model.preprocessing.side)
    }

    /// Probabilities for every image; Grad-CAM (one pass for the batch) when any asks for a heatmap.
    private func run(_ images: ModelImages, count: Int, heatmaps: [Bool]) throws -> [Classification] {
        guard let gradCAM, heatmaps.contains(true) else {
            let probabilities = try model.probabilities(images, count: count, batchSize: deviceBatchSize)
            return probabilities.map { classification($0, heatmapPNG: nil) }
        }
        let side = model.preprocessing.side
        let explanations = try gradCAM.explain(images, count: count, batchSize: deviceBatchSize)
        return try zip(explanations, heatmaps).map { explanation, wanted in
            let png = wanted ? [UInt8](try HeatmapRendering.transparentPNG(explanation.heatmap(width: side, height: side))) : nil
            return classification(explanation.probabilities, heatmapPNG: png)
        }
    }

    private func classification(_ probabilities: [Double], heatmapPNG: [UInt8]?) -> Classification {
        let names = model.classNames
        return Classification(
            predictedClass: names[ImageScoring.predictedClass(probabilities, threshold: model.threshold)],
            probabilities: Dictionary(uniqueKeysWithValues: zip(names, probabilities)),
            threshold: model.threshold,
            heatmapPNG: heatmapPNG)
    }
}

/// A broken invariant inside the classifier; fails the batch (HTTP 500), never the server.
enum ClassifierFailure: Error, CustomStringConvertible {
    case missingResult(index: Int)

    var description: String {
        switch self {
        case .missingResult(let index): return "image \(index) of the batch got neither a result nor an error"
        }
    }
}
