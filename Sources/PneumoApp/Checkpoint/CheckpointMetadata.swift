import Foundation

/// The size of the images a model takes.
public struct InputSpec: Codable, Equatable, Sendable {
    /// Width in pixels.
    public var width: Int
    /// Height in pixels.
    public var height: Int
    /// Channels (1 for grayscale X-rays).
    public var channels: Int

    /// Creates an input description.
    public init(width: Int, height: Int, channels: Int) {
        self.width = width
        self.height = height
        self.channels = channels
    }
}

/// Ties a metadata file to its weights file: which file, how large, its checksum and the
/// identifier both files carry, so that a mismatched or damaged pair is detected on load.
public struct WeightsManifest: Codable, Equatable, Sendable {
    /// The weights file name, relative to the metadata file.
    public var file: String
    /// The weights file's size in bytes.
    public var byteCount: Int
    /// CRC-32 of the whole weights file, as 8 lower-case hex digits.
    public var crc32: String
    /// Random identifier also stored in the weights file's metadata.
    public var checkpointID: String
    /// Each tensor's shape, by name.
    public var tensors: [String: [Int]]
}

/// Everything needed to use a trained model besides its weights, stored as JSON beside them.
public struct CheckpointMetadata: Equatable, Sendable {
    /// The value of `format` in every checkpoint this code writes.
    public static let formatName = "pneumo-checkpoint"
    /// The newest format version this code reads and the one it writes.
    public static let currentVersion = 1

    /// Always `formatName`; guards against loading some other JSON.
    public var format: String
    /// Format version of the file.
    public var formatVersion: Int
    /// The model's architecture, in the form the model builder reads.
    public var architecture: JSONValue
    /// The image size the model takes.
    public var input: InputSpec
    /// How images are turned into the model's input: an `InputPreprocessing`, read with `inputPreprocessing()`.
    public var preprocessing: JSONValue
    /// Class names in output order; for two classes, index 1 is the positive class.
    public var classNames: [String]
    /// The decision threshold for two classes and how it was chosen; nil for arg-max decisions.
    public var threshold: ThresholdChoice?
    /// The options the model was trained with.
    public var trainingOptions: JSONValue
    /// Named figures at the time of saving, e.g. "val_auc".
    public var metrics: [String: Double]
    /// Identifies the data the model was trained on (files and split).
    public var dataFingerprint: String
    /// When the checkpoint was made, to whole seconds.
    public var createdAt: Date
    /// Version of the engine that trained the model.
    public var engineVersion: String
    /// Epoch, batch, optimizer and generator state of a resumable checkpoint; nil otherwise.
    public var resumeState: JSONValue?
    /// The temperature probabilities are computed with, fitted on validation; nil means 1.
    public var calibration: CalibrationRecord?
    /// Thresholds chosen on validation for several goals (Youden's J, sensitivities 0.95, 0.97,
    /// 0.99), with their sensitivity and specificity there; `threshold` is the one in use.
    public var operatingPoints: [ThresholdChoice]?
    /// Filled in by `CheckpointStore.save`; describes the weights file.
    public var weights: WeightsManifest?
    /// Problems found with the model when it was saved, such as a collapsed training; empty when none.
    public var warnings: [String] = []
    /// The check that refuses images unlike the training images (fitted with the calibration);
    /// nil for checkpoints calibrated before it existed, which then answer on any image the
    /// image rules let through.
    public var familiarity: FeatureFamiliarity?

    /// Creates metadata for a new checkpoint; `createdAt` is cut to whole seconds, as stored.
    public init(
        architecture: JSONValue, input: InputSpec, preprocessing: JSONValue, classNames: [String],
        threshold: ThresholdChoice?, trainingOptions: JSONValue, metrics: [String: Double],
        dataFingerprint: String, createdAt: Date = Date(), engineVersion: String, resumeState: JSONValue? = nil
    ) {
        format = Self.formatName
        formatVersion = Self.currentVersion
        self.architecture = architecture
        self.input = input
        self.preprocessing = preprocessing
        self.classNames = classNames
        self.threshold = threshold
        self.trainingOptions = trainingOptions
        self.metrics = metrics
        self.dataFingerprint = dataFingerprint
        self.createdAt = Date(timeIntervalSince1970: createdAt.timeIntervalSince1970.rounded(.down))
        self.engineVersion = engineVersion
        self.resumeState = resumeState
        weights = nil
    }

    /// Checks every field for values a model could not be used with; returns the problems found.
    public func problems() -> [String] {
        var problems = [String]()
        if format != Self.formatName { problems.append("format is '\(format)', expected '\(Self.formatName)'") }
        if formatVersion < 1 || formatVersion > Self.currentVersion {
            problems.append("format version \(formatVersion) is not supported (this build reads 1...\(Self.currentVersion)); use a newer pneumo")
        }
        if input.width < 1 || input.height < 1 { problems.append("input size \(input.width)x\(input.height) is not positive") }
        if !(1...4).contains(input.channels) { problems.append("input channels \(input.channels) is not in 1...4") }
        if classNames.count < 2 { problems.append("\(classNames.count) class names given; at least 2 are needed") }
        if Set(classNames).count != classNames.count { problems.append("class names \(classNames) contain duplicates") }
        if classNames.contains(where: { $0.isEmpty }) { problems.append("a class name is empty") }
        if let threshold {
            if classNames.count != 2 { problems.append("a decision threshold is only meaningful for 2 classes, not \(classNames.count)") }
            if !(0...1).contains(threshold.threshold) {
                problems.append("decision threshold \(threshold.threshold) is not a probability in [0, 1]")
            }
        }
        if let weights, !Self.isPlainFileName(weights.file) {
            problems.append("weights file '\(weights.file)' is not a file name beside the metadata; a checkpoint's two files live in one folder")
        }
        if let calibration { problems += calibration.problems() }
        if let familiarity { problems += familiarity.problems(classes: classNames.count) }
        for point in operatingPoints ?? [] where !(0...1).contains(point.threshold) {
            problems.append("operating point \(point.strategy) has threshold \(point.threshold), not a probability in [0, 1]")
        }
        for (name, value) in metrics.sorted(by: { $0.key < $1.key }) where !value.isFinite {
            problems.append("metric '\(name)' is \(value); only finite numbers can be stored")
        }
        return problems
    }
}

extension CheckpointMetadata {
    /// A name inside the metadata's own folder: no separators, no `..`, nothing hidden in it.
    static func isPlainFileName(_ name: String) -> Bool {
        !name.isEmpty && name != "." && name != ".." && !name.contains("/") && !name.contains("\\")
            && !name.unicodeScalars.contains { $0.value < 0x20 }
    }
}

extension CheckpointMetadata: Codable {
    private enum CodingKeys: String, CodingKey {
        case format, formatVersion, architecture, input, preprocessing, classNames, threshold
        case trainingOptions, metrics, dataFingerprint, createdAt, engineVersion, resumeState, calibration, operatingPoints
        case weights, warnings, familiarity
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        format = try container.decode(String.self, forKey: .format)
        formatVersion = try container.decode(Int.self, forKey: .formatVersion)
        architecture = try container.decode(JSONValue.self, forKey: .architecture)
        input = try container.decode(InputSpec.self, forKey: .input)
        preprocessing = try container.decode(JSONValue.self, forKey: .preprocessing)
        classNames = try container.decode([String].self, forKey: .classNames)
        threshold = try container.decodeIfPresent(ThresholdChoice.self, forKey: .threshold)
        trainingOptions = try container.decode(JSONValue.self, forKey: .trainingOptions)
        metrics = try container.decode([String: Double].self, forKey: .metrics)
        dataFingerprint = try container.decode(String.self, forKey: .dataFingerprint)
        let created = try container.decode(String.self, forKey: .createdAt)
        guard let date = try? Date.ISO8601FormatStyle().parse(created) else {
            throw DecodingError.dataCorruptedError(
                forKey: .createdAt, in: container, debugDescription: "'\(created)' is not an ISO 8601 date such as 2024-01-31T12:00:00Z")
        }
        createdAt = date
        engineVersion = try container.decode(String.self, forKey: .engineVersion)
        resumeState = try container.decodeIfPresent(JSONValue.self, forKey: .resumeState)
        calibration = try container.decodeIfPresent(CalibrationRecord.self, forKey: .calibration)
        operatingPoints = try container.decodeIfPresent([ThresholdChoice].self, forKey: .operatingPoints)
        weights = try container.decodeIfPresent(WeightsManifest.self, forKey: .weights)
        warnings = try container.decodeIfPresent([String].self, forKey: .warnings) ?? []
        familiarity = try container.decodeIfPresent(FeatureFamiliarity.self, forKey: .familiarity)
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(format, forKey: .format)
        try container.encode(formatVersion, forKey: .formatVersion)
        try container.encode(architecture, forKey: .architecture)
        try container.encode(input, forKey: .input)
        try container.encode(preprocessing, forKey: .preprocessing)
        try container.encode(classNames, forKey: .classNames)
        try container.encodeIfPresent(threshold, forKey: .threshold)
        try container.encode(trainingOptions, forKey: .trainingOptions)
        try container.encode(metrics, forKey: .metrics)
        try container.encode(dataFingerprint, forKey: .dataFingerprint)
        try container.encode(createdAt.formatted(Date.ISO8601FormatStyle()), forKey: .createdAt)
        try container.encode(engineVersion, forKey: .engineVersion)
        try container.encodeIfPresent(resumeState, forKey: .resumeState)
        try container.encodeIfPresent(calibration, forKey: .calibration)
        try container.encodeIfPresent(operatingPoints, forKey: .operatingPoints)
        try container.encodeIfPresent(weights, forKey: .weights)
        if !warnings.isEmpty { try container.encode(warnings, forKey: .warnings) }
        try container.encodeIfPresent(familiarity, forKey: .familiarity)
    }
}
