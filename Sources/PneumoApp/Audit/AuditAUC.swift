import Foundation

/// A ROC AUC with its bootstrap interval and the counts it rests on.
public struct AuditAUC: Codable, Equatable, Sendable {
    /// Point estimate; nil when a class is absent.
    public var auc: Double?
    /// Percentile bootstrap interval.
    public var interval: ConfidenceInterval?
    /// Images scored.
    public var images: Int
    /// Images of the positive class (pneumonia).
    public var positives: Int

    /// Scores `scores` (higher means pneumonia) against 0/1 `labels`, reusing the evaluation's
    /// ROC and bootstrap code so the audits' figures match the reports'.
    public static func measure(labels: [Int], scores: [Double], bootstrap: BootstrapOptions) throws -> AuditAUC {
        let evaluation = try BinaryEvaluation.evaluate(labels: labels, probabilities: scores, bootstrap: bootstrap)
        return AuditAUC(
            auc: evaluation.metrics.rocAUC, interval: evaluation.intervals?.rocAUC,
            images: labels.count, positives: labels.filter { $0 == 1 }.count)
    }

    /// "0.812 [0.771, 0.850]", or "n/a".
    public var text: String {
        guard let auc else { return "n/a" }
        let interval = self.interval.map { " [\(NumberFormat.fixed($0.lower, 3)), \(NumberFormat.fixed($0.upper, 3))]" } ?? ""
        return NumberFormat.fixed(auc, 3) + interval
    }
}
