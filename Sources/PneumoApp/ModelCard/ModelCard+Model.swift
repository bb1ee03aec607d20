import Foundation

extension ModelCard {
    static func modelDetails(_ inputs: ModelCardInputs) -> CardSection {
        let metadata = inputs.metadata
        let spec = inputs.spec
        let architecture = spec.map { spec -> String in
            let about = spec.description.map { ": " + $0 } ?? ""
            let size = spec.nodes.map { "\($0.count) nodes" } ?? "\(spec.layers.count) layers"
            return "\(spec.name) (\(size))\(about)"
        } ?? inputs.ensemble.map { ensemble in
            "\(ensemble.name): the mean of its members' calibrated probabilities, calibrated again on validation (members: "
                + ensemble.ensemble.map { "\($0.source), temperature \(String(format: "%.3f", $0.temperature))" }.joined(separator: "; ") + ")"
        } ?? "not readable from the checkpoint"
        let input = "\(metadata.input.width) x \(metadata.input.height) px, \(metadata.input.channels) channel(s), grayscale values \(metadata.scalingWords)"
        var classes = metadata.classNames.joined(separator: ", ")
        if metadata.classNames.count == 2 { classes += "; positive class: \(metadata.classNames[1])" }
        var facts: [[String]] = [
            ["Architecture", architecture],
            ["Trainable parameters", inputs.parameterCount.map(String.init) ?? "unknown"],
            ["Input", input],
            ["Classes (output order)", classes],
            ["Created", metadata.createdAt.formatted(Date.ISO8601FormatStyle())],
            ["Engine version", metadata.engineVersion],
            ["Training data fingerprint", metadata.dataFingerprint],
        ]
        if let id = metadata.weights?.checkpointID { facts.append(["Checkpoint identifier", id]) }
        if let threshold = metadata.threshold {
            facts.append(["Decision threshold in use", "\(ThresholdDecision.format(threshold.threshold)) (\(threshold.strategy), chosen on \(threshold.chosenOn): "
                + "sensitivity \(percent(threshold.sensitivity)), specificity \(percent(threshold.specificity)))"])
        } else if metadata.classNames.count == 2 {
            facts.append(["Decision threshold in use", "0.5 (none chosen on validation is stored)"])
        }
        if let calibration = metadata.calibration {
            facts.append(["Calibration", "\(calibration.method) scaling, T = \(NumberFormat.fixed(calibration.temperature, 3)), fitted on \(calibration.fittedOn) (\(calibration.images) images)"])
        } else {
            facts.append(["Calibration", "none: probabilities are the network's raw outputs"])
        }
        facts.append(["Familiarity check", familiarityFact(metadata)])
        return CardSection("Model details", [
            .paragraph("A convolutional network trained with the pneumo engine to tell pneumonia from normal on pediatric chest X-rays. "
                + "Its description is below; how it was trained is under Training data."),
            .table(headers: ["Item", "Value"], rows: facts),
        ])
    }

    /// What the familiarity check refuses, from the checkpoint (an ensemble's members each have one).
    static func familiarityFact(_ metadata: CheckpointMetadata) -> String {
        let (checks, members) = metadata.familiarityChecks
        guard let first = checks.first else {
            return "none: any image the quality gate passes gets an answer, however unlike the training images (pneumo calibrate fits one)"
        }
        let whose = members == 0 ? "" : "each of \(checks.count) of \(members) members: "
        return whose + "refuses images whose features (layer \(first.layer), \(first.dimension) values) lie farther from the "
            + "training images' than those of \(NumberFormat.percent(1 - first.refusedShare, 0)) of the validation images: smallest "
            + "Mahalanobis distance to a class mean, fitted on \(first.fittedImages) images of \(first.fittedOn); limit "
            + "\(FeatureFamiliarity.format(first.limit)), validation median \(FeatureFamiliarity.format(first.validationMedian)) "
            + "(\(first.validationImages) images); images like the validation images are refused at most "
            + "\(NumberFormat.percent(first.refusedShare, 0)) of the time"
    }

    static func intendedUse() -> CardSection {
        CardSection("Intended use", [
            .paragraph(ModelCardText.intendedUse),
            .subheading("Out of scope"),
            .bullets(ModelCardText.outOfScope),
            .subheading("Refused inputs"),
            .paragraph(ModelCardText.qualityGate),
        ])
    }

    static func factors(_ inputs: ModelCardInputs) -> CardSection {
        CardSection("Factors", [
            .bullets([
                "Population: children aged 1 to 5 years at one hospital; age, sex and other patient factors are not recorded per image.",
                "Acquisition: anterior-posterior films of one centre's equipment, stored as JPEG; original sizes and aspect ratios differ by class.",
                "Pneumonia type: bacterial and viral pneumonia are pooled as one positive class"
                    + (inputs.metadata.classNames.count == 3 ? " in the data, and told apart by this model." : "."),
                "Evaluation factors reported: class (normal, pneumonia) and, through the audits, image shape and the region outside the lungs.",
            ]),
        ])
    }

    static func metrics(_ inputs: ModelCardInputs) -> CardSection {
        let bootstrap = inputs.evaluations.first?.result.bootstrap
        let intervals = bootstrap.map { "\(NumberFormat.fixed($0.level * 100, 0))% percentile bootstrap intervals over \($0.resamples) resamples of the images" }
            ?? "percentile bootstrap intervals (given with each evaluation)"
        var blocks: [CardBlock] = [
            .bullets([
                "ROC AUC: how well the probabilities rank pneumonia above normal, whatever the threshold.",
                "Sensitivity and specificity at the decision threshold: the share of pneumonia and of normal images called correctly.",
                "Precision, F1, accuracy and PR AUC, which depend on the share of pneumonia in the data (about 62% in the test split).",
                "Calibration: expected calibration error (ECE, \(CalibrationMetrics.binCount) equal bins) and the Brier score, raw and after temperature scaling.",
                "Uncertainty: \(intervals).",
            ]),
        ]
        if let points = inputs.metadata.operatingPoints, !points.isEmpty {
            blocks.append(.subheading("Operating points (chosen on validation)"))
            blocks.append(.table(
                headers: ["Goal", "Threshold", "Sensitivity (validation)", "Specificity (validation)", "In use"],
                rows: points.map { point in
                    [point.strategy.description, ThresholdDecision.format(point.threshold), percent(point.sensitivity),
                     percent(point.specificity), point.threshold == inputs.metadata.threshold?.threshold ? "yes" : ""]
                }))
        }
        return CardSection("Metrics", blocks)
    }
}
