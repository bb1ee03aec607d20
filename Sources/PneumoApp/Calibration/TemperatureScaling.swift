import Foundation

/// Temperature scaling (Guo et al. 2017, "On Calibration of Modern Neural Networks"): one
/// number T divides every logit before the sigmoid or softmax. It leaves the ranking, and so
/// the ROC curve and every decision at a correspondingly moved threshold, exactly as they were,
/// and makes the stated probabilities match observed frequencies on the data it is fitted on.
public enum TemperatureScaling {
    /// The range searched; outside it a model is broken, not miscalibrated.
    public static let range: ClosedRange<Double> = 0.05...20

    /// The temperature minimising the negative log-likelihood of `labels` under `logits`
    /// (one logit per image for two classes, else `classes` per image, row-major).
    ///
    /// The likelihood is unimodal in log T, so a golden-section search over log T finds the
    /// optimum to 1e-6 without gradients and with the same answer on every machine.
    public static func fit(logits: [Double], labels: [Int], classes: Int) throws -> Double {
        try check(logits: logits, labels: labels, classes: classes)
        var low = log(range.lowerBound), high = log(range.upperBound)
        let ratio = (sqrt(5.0) - 1) / 2
        var a = high - ratio * (high - low), b = low + ratio * (high - low)
        var lossA = negativeLogLikelihood(logits: logits, labels: labels, classes: classes, temperature: exp(a))
        var lossB = negativeLogLikelihood(logits: logits, labels: labels, classes: classes, temperature: exp(b))
        while high - low > 1e-6 {
            if lossA <= lossB {
                high = b
                b = a
                lossB = lossA
                a = high - ratio * (high - low)
                lossA = negativeLogLikelihood(logits: logits, labels: labels, classes: classes, temperature: exp(a))
            } else {
                low = a
                a = b
                lossA = lossB
                b = low + ratio * (high - low)
                lossB = negativeLogLikelihood(logits: logits, labels: labels, classes: classes, temperature: exp(b))
            }
        }
        return exp((low + high) / 2)
    }

    /// Mean negative log-likelihood of `labels` at `temperature`, computed stably from logits.
    public static func negativeLogLikelihood(logits: [Double], labels: [Int], classes: Int, temperature: Double) -> Double {
        guard !labels.isEmpty else { return 0 }
        var total = 0.0
        if classes == 2 {
            for (logit, label) in zip(logits, labels) {
                // -log sigmoid(z) = softplus(-z), for the label's sign of z.
                let z = (label == 1 ? logit : -logit) / temperature
                total += z > 0 ? log1p(exp(-z)) : -z + log1p(exp(z))
            }
        } else {
            for (row, label) in labels.enumerated() {
                let scaled = logits[(row * classes)..<((row + 1) * classes)].map { $0 / temperature }
                let top = scaled.max() ?? 0
                let logSum = top + log(scaled.reduce(0) { $0 + exp($1 - top) })
                total += logSum - scaled[label]
            }
        }
        return total / Double(labels.count)
    }

    private static func check(logits: [Double], labels: [Int], classes: Int) throws {
        let perImage = classes == 2 ? 1 : classes
        guard !labels.isEmpty, logits.count == labels.count * perImage else {
            throw MetricsError.invalidOption("temperature scaling needs one row of logits per label: \(logits.count) logits for \(labels.count) labels")
        }
        guard logits.allSatisfy(\.isFinite) else { throw MetricsError.invalidOption("temperature scaling needs finite logits") }
        guard labels.allSatisfy({ (0..<classes).contains($0) }) else {
            throw MetricsError.invalidOption("temperature scaling needs labels in 0..<\(classes)")
        }
        guard Set(labels).count > 1 else {
            throw MetricsError.missingClass("temperature scaling needs images of more than one class; the validation data has one")
        }
    }
}
