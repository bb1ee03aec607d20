import Foundation

extension ModelCard {
    static func evaluationData(_ inputs: ModelCardInputs) -> CardSection {
        var blocks: [CardBlock] = [.paragraph(ModelCardText.partitions)]
        if inputs.evaluations.isEmpty {
            blocks.append(.paragraph("No evaluation file was given to this card; run pneumo evaluate on the test split and pass its "
                + "evaluation.json with --evaluation."))
            return CardSection("Evaluation data", blocks)
        }
        blocks.append(.table(
            headers: ["Evaluation file", "Data", "Split", "Images", "Per class", "Left out"],
            rows: inputs.evaluations.map { named in
                let data = named.result.data
                let perClass = zip(named.result.model.classNames, data.perClass).map { "\($0) \($1)" }.joined(separator: ", ")
                return [named.source, data.root, data.split, "\(data.images)", perClass, "\(data.skipped.count)"]
            }))
        let notes = Array(Set(inputs.evaluations.flatMap(\.result.notes))).sorted()
        if !notes.isEmpty { blocks += [.subheading("Notes from the evaluations"), .bullets(notes)] }
        return CardSection("Evaluation data", blocks)
    }

    static func trainingData(_ inputs: ModelCardInputs) -> CardSection {
        let options = inputs.trainingOptions
        var partition = "Validation: the official val folder (16 images), as the checkpoint's options name no validation share."
        if case let .number(fraction)? = options["validation_fraction"], fraction > 0 {
            partition = "Validation: \(NumberFormat.fixed(fraction * 100, 0))% of the train split, grouped by patient (no patient "
                + "in both parts) and stratified by class, carved out with seed \(options["seed"].map { "\($0)" } ?? "unknown"); "
                + "the official val folder (16 images) was not used for choices."
        }
        var blocks: [CardBlock] = [
            .subheading("Data source and collection"),
            .paragraph(ModelCardText.trainingSource),
            .paragraph(ModelCardText.labels),
            .subheading("Ground truth"),
            .paragraph(ModelCardText.groundTruth),
            .subheading("Inclusion and exclusion"),
            .bullets([
                "Included: every readable JPEG in the data set's train folders, with the class its folder names.",
                "Excluded: files that cannot be decoded (listed by the training log), and scans the source removed as unreadable.",
                "Of the 5,856 images, many are resized copies whose original size is not recorded; the shape audit uses only the originals of known size.",
            ]),
            .subheading("Data partitions"),
            .bullets([
                "Training: the train split less the validation share.",
                partition,
                "Test: the standard test split (624 images in the published set), kept for evaluation only.",
                "Data fingerprint of the training files: \(inputs.metadata.dataFingerprint).",
            ]),
            .subheading("Preprocessing"),
            .paragraph("Each JPEG is decoded to grayscale and resized to \(inputs.metadata.input.width) x \(inputs.metadata.input.height) px "
                + "(squashing its aspect ratio), \(inputs.metadata.scalingWords) and repeated over \(inputs.metadata.input.channels) channel(s)."),
        ]
        blocks.append(.subheading("Training details"))
        if options.isEmpty {
            blocks.append(.paragraph("The checkpoint records no training options."))
        } else {
            blocks.append(.table(headers: ["Option", "Value"], rows: options.keys.sorted().map { [$0, "\(options[$0]!)"] }))
        }
        if let mixing = (try? inputs.metadata.trainingOptions.decode(TrainingOptions.self))?.mixing, !mixing.isOff {
            blocks.append(.paragraph(
                "Training images were mixed after augmentation: \(mixing.summary). A mixed image's target blends the labels of "
                    + "its two images by their shares (mixup: the blending weight; CutMix: the area each covers), so the training "
                    + "loss and accuracy are those of mixed images; validation and every later figure use unmixed images."))
        }
        return CardSection("Training data", blocks)
    }
}
