import PneumoData

/// What `predict` does with an image that fails the quality gate.
public enum LowQualityPolicy: String, CaseIterable, Sendable {
    /// No prediction: the file is listed with the rules it failed.
    case refuse
    /// A prediction, marked with the rules it failed, for a user who knows the input.
    case flag

    /// The reason shown for a refused image: every failed rule with its value and limit.
    static func refusal(_ findings: [QualityFinding]) -> String {
        "not a usable chest X-ray: " + findings.map(\.description).joined(separator: "; ")
            + " (--low-quality flag predicts it anyway, marked)"
    }
}

/// An image refused by the quality gate, with every rule it failed.
public struct LowQualityImage: Error, CustomStringConvertible, Equatable {
    /// The failed rules.
    public let findings: [QualityFinding]

    /// Creates the error.
    public init(findings: [QualityFinding]) { self.findings = findings }

    public var description: String { LowQualityPolicy.refusal(findings) }
}
