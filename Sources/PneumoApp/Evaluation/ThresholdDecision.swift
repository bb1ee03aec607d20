import Foundation

/// The decision threshold an evaluation used and where it came from, for the report.
public struct ThresholdDecision: Codable, Equatable, Sendable {
    /// Where the threshold came from.
    public enum Origin: String, Codable, Sendable {
        /// Stored in the checkpoint by training.
        case checkpoint
        /// The checkpoint stores none; 0.5 is used.
        case defaultValue = "default"
        /// Given as a number on the command line.
        case commandLine = "command-line"
        /// Chosen now, on the validation split.
        case validation
    }

    /// Probabilities of the positive class at or above this are called positive.
    public var threshold: Double
    /// Where it came from.
    public var origin: Origin
    /// How it was chosen and its sensitivity and specificity there, when it was chosen on data.
    public var choice: ThresholdChoice?
    /// The validation data it was chosen on now, for `origin == .validation`.
    public var validation: ValidationSource?
    /// One sentence for people.
    public var explanation: String

    /// Creates a decision.
    public init(threshold: Double, origin: Origin, choice: ThresholdChoice?, validation: ValidationSource? = nil, explanation: String) {
        self.threshold = threshold
        self.origin = origin
        self.choice = choice
        self.validation = validation
        self.explanation = explanation
    }

    /// The threshold stored in a checkpoint's metadata, or 0.5 when it stores none.
    static func fromCheckpoint(_ metadata: CheckpointMetadata?) -> ThresholdDecision {
        guard let choice = metadata?.threshold else {
            return ThresholdDecision(
                threshold: 0.5, origin: .defaultValue, choice: nil,
                explanation: "threshold 0.5: the checkpoint stores no threshold chosen on validation")
        }
        return ThresholdDecision(
            threshold: choice.threshold, origin: .checkpoint, choice: choice,
            explanation: "threshold \(format(choice.threshold)) from the checkpoint: \(choice.strategy) chosen on \(choice.chosenOn) "
                + "(sensitivity \(NumberFormat.fixed(choice.sensitivity, 3)), specificity \(NumberFormat.fixed(choice.specificity, 3)) there)")
    }

    /// A number given on the command line, applied as is.
    static func given(_ value: Double) -> ThresholdDecision {
        ThresholdDecision(
            threshold: value, origin: .commandLine, choice: nil,
            explanation: "threshold \(format(value)) as given on the command line")
    }

    /// A rule applied now to the validation probabilities.
    static func chosen(
        _ strategy: ThresholdStrategy, on source: ValidationSource, labels: [Int], probabilities: [Double]
    ) throws -> ThresholdDecision {
        let choice = try ThresholdChoice.choose(strategy, labels: labels, probabilities: probabilities, chosenOn: "validation")
        return ThresholdDecision(
            threshold: choice.threshold, origin: .validation, choice: choice, validation: source,
            explanation: "threshold \(format(choice.threshold)) chosen now by \(strategy) on \(source) "
                + "(\(labels.count) images; sensitivity \(NumberFormat.fixed(choice.sensitivity, 3)), "
                + "specificity \(NumberFormat.fixed(choice.specificity, 3)) there), never on the split evaluated")
    }

    static func format(_ value: Double) -> String {
        // Enough digits to tell neighbouring probabilities apart, without float noise.
        var text = String(format: "%.6f", value)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }
}
