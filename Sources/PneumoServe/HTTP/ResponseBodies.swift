import PneumoApp
import PneumoData

/// JSON shapes of the API's successful answers. Keys are snake_case and stable.
enum ResponseBodies {
    struct ModelReference: Encodable {
        let id: String
        let version: String
    }

    struct ImageSize: Encodable {
        let width: Int
        let height: Int
    }

    struct Timing: Encodable {
        let queue: Double
        let inference: Double
        let total: Double
    }

    struct Heatmap: Encodable {
        let mediaType: String
        let base64: String
        enum CodingKeys: String, CodingKey { case mediaType = "media_type", base64 }
    }

    /// `POST /api/v1/predict`.
    struct Prediction: Encodable {
        let predictedClass: String
        let probability: Double
        let probabilities: [String: Double]
        let positiveClass: String
        let threshold: Double
        let model: ModelReference
        let image: ImageSize
        let batchSize: Int
        let timingMs: Timing
        let heatmap: Heatmap?
        /// Present only for an image classified despite failing the quality gate (`?low_quality=flag`).
        let qualityFindings: [QualityFinding]?
        /// Whether the probabilities are calibrated.
        let calibrated: Bool
        /// The answer in words: where the image stands against the operating point.
        let reading: String

        enum CodingKeys: String, CodingKey {
            case predictedClass = "class", probability, probabilities, positiveClass = "positive_class", threshold
            case model, image, batchSize = "batch_size", timingMs = "timing_ms", heatmap, qualityFindings = "quality_findings"
            case calibrated, reading
        }
    }

    struct Limits: Encodable {
        let maxBodyBytes: Int
        let maxPixels: Int
        let maxInFlight: Int
        let maxBatchSize: Int
        let maxBatchWaitMs: Double

        enum CodingKeys: String, CodingKey {
            case maxBodyBytes = "max_body_bytes", maxPixels = "max_pixels", maxInFlight = "max_in_flight"
            case maxBatchSize = "max_batch_size", maxBatchWaitMs = "max_batch_wait_ms"
        }
    }

    /// `GET /api/v1/model`.
    struct Model: Encodable {
        let id: String
        let version: String
        let classes: [String]
        let positiveClass: String
        let threshold: Double
        let architecture: JSONValue
        let trainingMetrics: JSONValue
        let limits: Limits
        /// The calibration temperature; absent when the probabilities are not calibrated.
        let temperature: Double?
        /// How the threshold in use was chosen, with its validation figures.
        let operatingPoint: ThresholdChoice?

        enum CodingKeys: String, CodingKey {
            case id, version, classes, positiveClass = "positive_class", threshold, architecture
            case trainingMetrics = "training_metrics", limits, temperature, operatingPoint = "operating_point"
        }
    }

    /// `GET /healthz`: the process is up and serving HTTP (liveness), whatever the model does.
    struct Health: Encodable {
        let status: String
        let ready: Bool
        let model: ModelReference
        let inFlight: Int
        let maxInFlight: Int

        enum CodingKeys: String, CodingKey {
            case status, ready, model, inFlight = "in_flight", maxInFlight = "max_in_flight"
        }
    }

    /// `GET /readyz`: whether predictions can be served. 200 when ready; 503 with the reason
    /// and the usual `error` object otherwise.
    struct Readiness: Encodable {
        struct Probe: Encodable {
            let probabilities: [String: Double]
            let milliseconds: Double
        }
        struct ErrorDetail: Encodable {
            let status: Int
            let code: String
            let message: String
        }
        let ready: Bool
        /// "starting" (probe running), "ready" or "failed".
        let status: String
        let reason: String?
        let model: ModelReference
        let probe: Probe?
        let error: ErrorDetail?
    }
}

extension Duration {
    /// "1.5 s", "30 s": for messages.
    var secondsText: String {
        let seconds = milliseconds / 1e3
        return seconds == seconds.rounded() ? "\(Int(seconds)) s" : String(format: "%.1f s", seconds)
    }

    /// The duration in milliseconds, for JSON and logs.
    var milliseconds: Double {
        Double(components.seconds) * 1e3 + Double(components.attoseconds) * 1e-15
    }
}
