import Foundation
import PneumoApp

/// One answer in words, for the page and for API clients: where the image stands against the
/// operating point in use, whether the probability is calibrated, and any quality warning.
enum Reading {
    static func sentence(_ classification: Classification, metadata: ModelMetadata) -> String {
        var parts = [String]()
        if let findings = classification.qualityFindings, !findings.isEmpty {
            parts.append("LOW-QUALITY INPUT, do not rely on this answer (\(findings.map(\.message).joined(separator: "; "))).")
        }
        if metadata.classes.count == 2, let p = classification.probabilities[metadata.positiveClass] {
            let side = p >= classification.threshold ? "at or above" : "below"
            var point = "the operating point of \(percent(classification.threshold))"
            if let choice = metadata.operatingPoint {
                point += " (\(rule(choice.strategy)), chosen on \(choice.chosenOn): sensitivity \(percent(choice.sensitivity)), "
                    + "specificity \(percent(choice.specificity)) there)"
            }
            parts.append("P(\(metadata.positiveClass)) is \(percent(p)), \(side) \(point): reads as \(classification.predictedClass).")
            if abs(p - classification.threshold) < 0.05 { parts.append("It is close to the operating point: a borderline case.") }
        } else {
            let best = classification.probabilities[classification.predictedClass] ?? 0
            parts.append("Most probable class: \(classification.predictedClass) (\(percent(best))).")
        }
        parts.append(metadata.temperature == nil
            ? "These probabilities are the network's own, not calibrated: read them as scores, not as frequencies."
            : "Probabilities are calibrated on validation data: of images given about this figure, about this share had the finding there.")
        return parts.joined(separator: " ")
    }

    private static func percent(_ value: Double) -> String { String(format: "%.1f %%", value * 100) }

    private static func rule(_ strategy: ThresholdStrategy) -> String {
        switch strategy {
        case .youden: return "Youden's J"
        case let .targetSensitivity(target): return "sensitivity \(String(format: "%.2f", target))"
        case let .fixed(value): return "fixed at \(value)"
        }
    }
}
