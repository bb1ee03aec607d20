import Foundation

/// The figures of one training epoch.
///
/// Validation figures are nil when no validation ran. Non-finite numbers (a diverged loss) are
/// stored as JSON null and read back as NaN, since JSON has no NaN.
public struct EpochRecord: Equatable, Sendable {
    /// Epoch number, from 1.
    public var epoch: Int
    /// Mean training loss.
    public var trainLoss: Double
    /// Training accuracy.
    public var trainAccuracy: Double
    /// Mean validation loss.
    public var validationLoss: Double?
    /// Validation accuracy.
    public var validationAccuracy: Double?
    /// Validation recall (sensitivity).
    public var validationRecall: Double?
    /// Validation ROC AUC.
    public var validationAUC: Double?
    /// Learning rate used in the epoch (its last value, under a schedule).
    public var learningRate: Double
    /// Training throughput in images per second.
    public var imagesPerSecond: Double
    /// Wall time of the epoch, training and validation, in seconds.
    public var seconds: Double

    /// Creates a record.
    public init(
        epoch: Int, trainLoss: Double, trainAccuracy: Double, validationLoss: Double? = nil,
        validationAccuracy: Double? = nil, validationRecall: Double? = nil, validationAUC: Double? = nil,
        learningRate: Double, imagesPerSecond: Double, seconds: Double
    ) {
        self.epoch = epoch
        self.trainLoss = trainLoss
        self.trainAccuracy = trainAccuracy
        self.validationLoss = validationLoss
        self.validationAccuracy = validationAccuracy
        self.validationRecall = validationRecall
        self.validationAUC = validationAUC
        self.learningRate = learningRate
        self.imagesPerSecond = imagesPerSecond
        self.seconds = seconds
    }

    /// Column names of the CSV form, in order.
    public static let csvColumns = [
        "epoch", "train_loss", "train_accuracy", "val_loss", "val_accuracy", "val_recall", "val_auc",
        "learning_rate", "images_per_second", "seconds",
    ]

    /// The record's CSV fields, in `csvColumns` order; empty for missing values.
    public var csvFields: [String] {
        [String(epoch)] + [trainLoss, trainAccuracy, validationLoss, validationAccuracy, validationRecall, validationAUC,
                           learningRate, imagesPerSecond, seconds].map(Self.csvNumber)
    }

    private static func csvNumber(_ value: Double?) -> String {
        guard let value else { return "" }
        guard value.isFinite else { return value.isNaN ? "nan" : (value > 0 ? "inf" : "-inf") }
        // Shortest text that reads back to the same Double.
        return "\(value)"
    }
}

extension EpochRecord: Codable {
    private enum CodingKeys: String, CodingKey {
        case epoch, trainLoss = "train_loss", trainAccuracy = "train_accuracy", validationLoss = "val_loss"
        case validationAccuracy = "val_accuracy", validationRecall = "val_recall", validationAUC = "val_auc"
        case learningRate = "learning_rate", imagesPerSecond = "images_per_second", seconds
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        func required(_ key: CodingKeys) throws -> Double { try container.decodeIfPresent(Double.self, forKey: key) ?? .nan }
        func optional(_ key: CodingKeys) throws -> Double? { try container.decodeIfPresent(Double.self, forKey: key) }
        epoch = try container.decode(Int.self, forKey: .epoch)
        trainLoss = try required(.trainLoss)
        trainAccuracy = try required(.trainAccuracy)
        validationLoss = try optional(.validationLoss)
        validationAccuracy = try optional(.validationAccuracy)
        validationRecall = try optional(.validationRecall)
        validationAUC = try optional(.validationAUC)
        learningRate = try required(.learningRate)
        imagesPerSecond = try required(.imagesPerSecond)
        seconds = try required(.seconds)
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        func put(_ value: Double?, _ key: CodingKeys) throws {
            if let value, value.isFinite { try container.encode(value, forKey: key) } else { try container.encodeNil(forKey: key) }
        }
        try container.encode(epoch, forKey: .epoch)
        try put(trainLoss, .trainLoss)
        try put(trainAccuracy, .trainAccuracy)
        try put(validationLoss, .validationLoss)
        try put(validationAccuracy, .validationAccuracy)
        try put(validationRecall, .validationRecall)
        try put(validationAUC, .validationAUC)
        try put(learningRate, .learningRate)
        try put(imagesPerSecond, .imagesPerSecond)
        try put(seconds, .seconds)
    }
}
