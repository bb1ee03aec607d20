import Foundation
import Hummingbird
import PneumoApp
import PneumoData

/// `POST /api/v1/predict`: admit, wait for readiness, read, check, batch, answer.
struct PredictHandler: Sendable {
    let uploads: UploadReader
    let limiter: InFlightLimiter
    let queue: BatchQueue
    let readiness: Readiness
    let metadata: ModelMetadata
    let maxPixels: Int

    func handle(_ request: Request, context: ServeRequestContext) async throws -> Response {
        let start = ContinuousClock.now
        let wantsHeatmap = try Self.heatmapFlag(request.uri.queryParameters.get("heatmap"))
        let lowQuality = try Self.lowQualityPolicy(request.uri.queryParameters.get("low_quality"))
        // Admission comes before reading the body, so memory is bounded by limit x body size.
        guard limiter.tryAcquire() else { throw APIError.busy(limit: limiter.limit) }
        defer { limiter.release() }
        // Requests that arrive while the start-up probe runs wait for it (the model is never
        // called twice at once); a model that failed it serves nothing.
        if case .failed(let failure) = await readiness.settled() {
            throw APIError.modelNotReady(failure)
        }

        let jpeg = try await uploads.read(request, meter: context.bodyMeter)
        let header: JPEGHeader
        do {
            header = try UploadCheck.header(of: jpeg, maxPixels: maxPixels)
        } catch let error as ImageInputError {
            throw APIError(error)
        }
        // The quality gate needs the decoded image, so the classifier applies it as it decodes;
        // its refusals come back as 422 like the other per-image failures.
        let batched: BatchedOutcome
        switch await queue.submit(ImageInput(jpeg: jpeg, wantsHeatmap: wantsHeatmap, header: header, lowQuality: lowQuality)) {
        case .success(let value):
            batched = value
        case .failure(let failure):
            context.logger.error("a batch failed: \(failure)")
            if case .nonFiniteOutput = failure { throw APIError.modelOutputNotFinite }
            throw APIError.inferenceFailed
        }
        let classification: Classification
        switch batched.outcome {
        case .success(let value): classification = value
        case .failure(let inputError): throw APIError(inputError)
        }
        guard let probability = classification.probabilities[classification.predictedClass] else {
            context.logger.error("the model predicted '\(classification.predictedClass)' but gave no probability for it")
            throw APIError.inferenceFailed
        }
        guard classification.probabilities.values.allSatisfy(\.isFinite), classification.threshold.isFinite else {
            let values = classification.probabilities.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
            let detail = "the model's output for a \(header.width)x\(header.height) image is not finite "
                + "(\(values.joined(separator: ", ")), threshold \(classification.threshold)); answered 500 model_output_not_finite"
            context.logger.error("\(detail)")
            throw APIError.modelOutputNotFinite
        }
        let heatmap = wantsHeatmap
            ? classification.heatmapPNG.map { ResponseBodies.Heatmap(mediaType: "image/png", base64: Data($0).base64EncodedString()) }
            : nil
        let body = ResponseBodies.Prediction(
            predictedClass: classification.predictedClass,
            probability: probability,
            probabilities: classification.probabilities,
            positiveClass: metadata.positiveClass,
            threshold: classification.threshold,
            model: .init(id: metadata.id, version: metadata.version),
            image: .init(width: header.width, height: header.height),
            batchSize: batched.batchSize,
            timingMs: .init(
                queue: batched.queueWait.milliseconds, inference: batched.inference.milliseconds,
                total: (ContinuousClock.now - start).milliseconds),
            heatmap: heatmap,
            qualityFindings: classification.qualityFindings,
            calibrated: metadata.temperature != nil,
            reading: Reading.sentence(classification, metadata: metadata))
        return JSONResponse.make(status: .ok, body)
    }

    /// Reads `?low_quality=`: refuse (the default) or flag.
    static func lowQualityPolicy(_ value: String?) throws -> LowQualityPolicy {
        guard let value, !value.isEmpty else { return .refuse }
        guard let policy = LowQualityPolicy(rawValue: value.lowercased()) else {
            throw APIError(
                status: 400, code: "bad_query",
                message: "low_quality=\(value.prefix(20)) is not understood; use low_quality=refuse or low_quality=flag.")
        }
        return policy
    }

    /// Reads `?heatmap=`; anything but a clear yes or no is a client mistake worth reporting.
    static func heatmapFlag(_ value: String?) throws -> Bool {
        switch value?.lowercased() {
        case nil, "", "0", "false", "no": return false
        case "1", "true", "yes": return true
        case let other?:
            throw APIError(
                status: 400, code: "bad_query",
                message: "heatmap=\(other.prefix(20)) is not understood; use heatmap=1 or heatmap=0.")
        }
    }
}
