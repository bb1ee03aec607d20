import Foundation
import PneumoData

/// The outcome for one input file: a class with its probability, or the reason it has none.
public struct PredictionEntry: Codable, Equatable, Sendable {
    /// The file as found.
    public var file: String
    /// The predicted class name; nil when the file could not be used.
    public var predictedClass: String?
    /// The predicted class index.
    public var classIndex: Int?
    /// Probability of the predicted class.
    public var probability: Double?
    /// Probability of each class, in class order.
    public var probabilities: [Double]?
    /// The class a NORMAL or PNEUMONIA parent folder says it is, when it is in one.
    public var trueClass: String?
    /// Why the file could not be used.
    public var error: String?
    /// The quality rules a flagged prediction failed (`--low-quality flag`); nil when it passed.
    public var quality: [QualityFinding]?

    private enum CodingKeys: String, CodingKey {
        case file, predictedClass = "class", classIndex = "class_index", probability, probabilities
        case trueClass = "true_class", error, quality = "quality_findings"
    }

    /// Creates an entry: a prediction, or a file with the reason it has none.
    public init(
        file: String, predictedClass: String? = nil, classIndex: Int? = nil, probability: Double? = nil,
        probabilities: [Double]? = nil, trueClass: String? = nil, error: String? = nil, quality: [QualityFinding]? = nil
    ) {
        self.file = file
        self.predictedClass = predictedClass
        self.classIndex = classIndex
        self.probability = probability
        self.probabilities = probabilities
        self.trueClass = trueClass
        self.error = error
        self.quality = quality
    }

    /// Whether the file got a prediction.
    public var succeeded: Bool { error == nil }
}

/// Predictions for every input, in input order, with the images for a picture grid.
public struct PredictionResult: Sendable {
    /// Class names in output order.
    public let classNames: [String]
    /// The decision threshold of a two-class model; nil for arg-max decisions.
    public let threshold: Double?
    /// The architecture name.
    public let modelName: String
    /// One entry per input file, failures included.
    public let entries: [PredictionEntry]
    /// The decoded images of the successful entries, in entry order.
    public let images: DecodedImageSet
    /// Index into `images` of each entry; nil for failures.
    public let imageIndex: [Int?]

    /// Entries that got a prediction.
    public var predictedCount: Int { entries.filter(\.succeeded).count }
    /// Entries that could not be used.
    public var failures: [PredictionEntry] { entries.filter { !$0.succeeded } }
}
