import Foundation

/// The model an evaluation is about, as its checkpoint describes it.
public struct EvaluatedModel: Codable, Equatable, Sendable {
    /// Architecture name, e.g. "pneumonet".
    public var name: String
    /// The checkpoint's metadata file.
    public var checkpoint: String
    /// Class names in output order.
    public var classNames: [String]
    /// Input channels.
    public var channels: Int
    /// Input side in pixels.
    public var size: Int
    /// When the checkpoint was saved.
    public var createdAt: Date?
    /// Identifies the data the model was trained on.
    public var dataFingerprint: String?
    /// Figures stored with the checkpoint at training time (validation, not this evaluation).
    public var trainingMetrics: [String: Double]
}

/// The images an evaluation ran on.
public struct EvaluatedData: Codable, Equatable, Sendable {
    /// The data folder.
    public var root: String
    /// The split evaluated.
    public var split: String
    /// Images evaluated.
    public var images: Int
    /// Images per class, in class order.
    public var perClass: [Int]
    /// Files that could not be used, with the reason.
    public var skipped: [SkippedFile]
}

/// A file left out, and why.
public struct SkippedFile: Codable, Equatable, Sendable {
    /// The file's path.
    public var file: String
    /// Why it was left out.
    public var reason: String
}

/// One image's outcome.
public struct ImagePrediction: Codable, Equatable, Sendable {
    /// The file, relative to the data root.
    public var file: String
    /// The true class index.
    public var label: Int
    /// The predicted class index.
    public var predicted: Int
    /// Probability of each class.
    public var probabilities: [Double]

    /// Whether the prediction is right.
    public var isCorrect: Bool { label == predicted }
    /// Probability of the predicted class.
    public var confidence: Double { probabilities[predicted] }
}

/// Every number an evaluation produced; written as JSON beside the HTML report.
public struct EvaluationResult: Codable, Equatable, Sendable {
    /// The model.
    public var model: EvaluatedModel
    /// The data.
    public var data: EvaluatedData
    /// The decision threshold (two classes); nil for arg-max decisions.
    public var threshold: ThresholdDecision?
    /// Metrics, intervals and curves of a two-class model.
    public var binary: BinaryEvaluation?
    /// Metrics and intervals of a model with more classes.
    public var multiclass: MulticlassEvaluation?
    /// How the intervals were computed.
    public var bootstrap: BootstrapOptions
    /// Images per second of the forward passes.
    public var imagesPerSecond: Double
    /// Per-image outcomes, in data order.
    public var predictions: [ImagePrediction]
    /// Remarks a reader should see (skipped files, overlapping data).
    public var notes: [String]
    /// Calibration of the probabilities on this split, raw and as reported.
    public var calibration: EvaluatedCalibration?
    /// The checkpoint's operating points (two classes), applied to this split.
    public var operatingPoints: [EvaluatedOperatingPoint]?

    /// The metric rows of the table, with intervals.
    public var rows: [MetricRow] { binary?.rows ?? multiclass?.rows ?? [] }

    /// The confusion matrix as `[true class][predicted class]` counts.
    public var confusion: [[Int]] {
        if let matrix = binary?.metrics.confusion {
            return [[matrix.trueNegatives, matrix.falsePositives], [matrix.falseNegatives, matrix.truePositives]]
        }
        return multiclass?.metrics.confusion ?? []
    }

    /// The result as pretty-printed JSON with sorted keys.
    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try encoder.encode(self) + Data("\n".utf8)
    }

    /// Reads a result written by `json()`.
    public static func read(json data: Data) throws -> EvaluationResult {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try decoder.decode(EvaluationResult.self, from: data)
    }
}
