import Foundation

/// Builds a model card (Mitchell et al. 2019) with the CLAIM 2024 items that apply, from a
/// checkpoint's metadata and any evaluation and audit files.
public enum ModelCard {
    /// The card for `inputs`.
    public static func make(_ inputs: ModelCardInputs) -> CardDocument {
        let name = inputs.spec?.name ?? inputs.ensemble?.name ?? "model"
        return CardDocument(
            title: "Model card: \(name) pneumonia detector",
            subtitle: "Checkpoint \(inputs.checkpoint), saved \(inputs.metadata.createdAt.formatted(Date.ISO8601FormatStyle()))",
            alerts: alerts(inputs),
            sections: [
                modelDetails(inputs), intendedUse(), factors(inputs), metrics(inputs), evaluationData(inputs),
                trainingData(inputs), quantitativeAnalyses(inputs), ethicalConsiderations(), caveats(inputs), claimItems(),
            ])
    }

    /// What a reader must see first: no calibration, training warnings, a model that reads outside the lungs.
    static func alerts(_ inputs: ModelCardInputs) -> [String] {
        var alerts = [String]()
        if inputs.metadata.calibration == nil { alerts.append(ModelCardText.uncalibrated) }
        for warning in inputs.metadata.warnings {
            alerts.append("WARNING from training: \(warning). Do not use this model before the cause is understood.")
        }
        for audit in inputs.lungAudits where audit.readsOutsideLungs {
            alerts.append("WARNING from the lung audit: with the lungs masked the model still separates the classes "
                + "(ROC AUC \(audit.lungsMasked.text) on \(audit.split)); it reads something other than the lungs.")
        }
        if inputs.evaluations.isEmpty {
            alerts.append("NOT EVALUATED: no evaluation file was given; the only figures here are validation figures from training.")
        }
        return alerts
    }

    static func percent(_ value: Double?) -> String {
        value.map { NumberFormat.fixed($0 * 100, 1) + "%" } ?? "n/a"
    }
}
