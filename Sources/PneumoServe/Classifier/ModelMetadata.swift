import PneumoApp

/// Describes the loaded checkpoint to clients.
public struct ModelMetadata: Sendable, Equatable {
    /// A stable name for the model, e.g. the checkpoint's run id.
    public var id: String
    /// The checkpoint's version, e.g. its epoch or a content hash.
    public var version: String
    /// Class names in the model's output order.
    public var classes: [String]
    /// The class whose probability is compared with `threshold`.
    public var positiveClass: String
    /// The decision threshold in use.
    public var threshold: Double
    /// The network's description (layers, input size), as the checkpoint records it.
    public var architecture: JSONValue
    /// Metrics measured during training and validation, as the checkpoint records them.
    public var trainingMetrics: JSONValue
    /// The temperature the probabilities are calibrated with; nil when they are the network's own.
    public var temperature: Double?
    /// How the threshold in use was chosen and how it did on validation; nil when none was.
    public var operatingPoint: ThresholdChoice?

    /// Creates model metadata.
    public init(
        id: String, version: String, classes: [String], positiveClass: String, threshold: Double,
        architecture: JSONValue = .object([:]), trainingMetrics: JSONValue = .object([:]), temperature: Double? = nil,
        operatingPoint: ThresholdChoice? = nil
    ) {
        self.id = id
        self.version = version
        self.classes = classes
        self.positiveClass = positiveClass
        self.threshold = threshold
        self.architecture = architecture
        self.trainingMetrics = trainingMetrics
        self.temperature = temperature
        self.operatingPoint = operatingPoint
    }
}
