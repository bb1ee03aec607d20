import Foundation

extension ModelCard {
    static func ethicalConsiderations() -> CardSection {
        CardSection("Ethical considerations", [.bullets(ModelCardText.ethics)])
    }

    static func caveats(_ inputs: ModelCardInputs) -> CardSection {
        var aspect = "The checkpoint's options do not say whether the aspect-ratio augmentation was on."
        if let strength = inputs.aspectAugmentation {
            aspect = strength > 0
                ? "This model was trained with the aspect-ratio augmentation (aspect \(NumberFormat.fixed(strength, 2)))."
                : "This model was trained WITHOUT the aspect-ratio augmentation: it may have learned the shortcut; check it with pneumo audit lungs and retrain with --aspect."
        }
        var items = [
            ModelCardText.singleCentre,
            ModelCardText.notValidated,
            ModelCardText.squareResize + " " + aspect,
            ModelCardText.grayscaleJPEG,
            ModelCardText.qualityGate,
            "The decision threshold and the calibration were fitted on validation images of the same centre; at another prevalence or on "
                + "other equipment both may be off. Choose the operating point again on local data before use.",
        ]
        if !inputs.metadata.warnings.isEmpty {
            items.insert("Training ended with warnings: " + inputs.metadata.warnings.joined(separator: "; ") + ".", at: 0)
        }
        return CardSection("Caveats and recommendations", [.subheading("Limitations"), .bullets(items)])
    }

    /// Where each CLAIM 2024 item this card covers is answered.
    static func claimItems() -> CardSection {
        let rows = [
            ["Data sources and collection", "Training data: Data source and collection"],
            ["Eligibility: inclusion and exclusion", "Training data: Inclusion and exclusion"],
            ["Ground truth: definition and how it was established", "Training data: Ground truth"],
            ["Data partitions and their independence", "Training data: Data partitions; Evaluation data"],
            ["Preprocessing", "Training data: Preprocessing"],
            ["Model description", "Model details"],
            ["Training details", "Training data: Training details"],
            ["Evaluation metrics with uncertainty", "Metrics; Quantitative analyses"],
            ["Calibration", "Quantitative analyses: Calibration"],
            ["Failure analysis", "Quantitative analyses: Failure analysis"],
            ["External validation", "Caveats and recommendations (none was done)"],
            ["Limitations", "Caveats and recommendations"],
            ["Intended use and clinical role", "Intended use"],
        ]
        return CardSection(ModelCardText.claimHeading, [
            .paragraph("Items of the Checklist for Artificial Intelligence in Medical Imaging (CLAIM), 2024 update, and where this card answers them."),
            .table(headers: ["CLAIM item", "Where"], rows: rows),
        ])
    }
}
