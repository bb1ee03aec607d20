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

    /// Creates model metadata.
    public init(
        id: String, version: String, classes: [String], positiveClass: String, threshold: Double,
        architecture: JSONValue = .object([:]), trainingMetrics: JSONValue = .object([:])
    ) {
        self.id = id
        self.version = version
        self.classes = classes
        self.positiveClass = positiveClass
        self.threshold = threshold
        self.architecture = architecture
        self.trainingMetrics = trainingMetrics
    }
}
