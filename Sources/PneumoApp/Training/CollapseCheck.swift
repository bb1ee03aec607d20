/// Signs, on the validation set, that a trained model has collapsed: it does not separate the
/// classes at all, so saving it silently would pass a useless model off as a result.
///
/// The rule flags only what a weak but working model never shows:
/// - every validation image gets the same predicted class (at the chosen threshold for two
///   classes, by arg-max otherwise);
/// - the ROC AUC is undefined or at most 0.5, no better than chance (a constant output scores
///   exactly 0.5);
/// - for two classes, the decision threshold is 0 or below, or 1 or above (everything called
///   one class), or the sensitivity or specificity at it is 0.
/// A poor model with AUC 0.6 and both classes predicted is not flagged: that is a result to
/// improve, not a collapse.
public enum CollapseCheck {
    /// One message per sign found; empty when the model looks sound.
    public static func warnings(
        probabilities: [[Double]], labels: [Int], auc: Double?, threshold: ThresholdChoice?, classNames: [String]
    ) -> [String] {
        var warnings: [String] = []
        let predicted = probabilities.map { ImageScoring.predictedClass($0, threshold: threshold?.threshold ?? 0.5) }
        if let first = predicted.first, predicted.allSatisfy({ $0 == first }), classNames.indices.contains(first) {
            warnings.append("every one of the \(predicted.count) validation images is predicted \(classNames[first])")
        }
        if let auc {
            if auc <= 0.5 { warnings.append("validation ROC AUC is \(NumberFormat.fixed(auc, 3)), no better than chance") }
        } else {
            warnings.append("validation ROC AUC is undefined (the outputs are not usable scores)")
        }
        if let threshold {
            if threshold.threshold <= 0 || threshold.threshold >= 1 {
                warnings.append("the decision threshold is \(NumberFormat.fixed(threshold.threshold, 3)), which calls every image one class")
            }
            if threshold.sensitivity == 0 { warnings.append("sensitivity at the threshold is 0: no \(classNames.last ?? "positive") image is found") }
            if threshold.specificity == 0 { warnings.append("specificity at the threshold is 0: every \(classNames.first ?? "negative") image is flagged") }
        }
        return warnings
    }

    /// The lines printed at the end of a run whose best checkpoint carries `warnings`.
    public static func banner(_ warnings: [String], checkpoint: String) -> String {
        (["WARNING: the model in \(checkpoint) looks collapsed and should not be used:"]
            + warnings.map { "WARNING:   \($0)" }
            + ["WARNING: check the data (both classes present, labels right) and lower the learning rate or train longer"])
            .joined(separator: "\n")
    }
}
