import Foundation

/// The `metadata_props` of an exported model: what happens before its input and after its
/// output, stated exactly, and what the checkpoint recorded about its calibration.
enum ONNXMetadata {
    /// Key-value pairs in a fixed order, every key prefixed `pneumo.`.
    /// `augmentation`: the copies the graph scores (nil: one pass).
    static func properties(of source: ExportSource, augmentation: TestTimeAugmentation?) throws -> [(String, String)] {
        let metadata = source.metadata
        let side = source.input.size
        let record = try metadata.inputPreprocessing()
        let shift = record.offset == 0 ? "" : " + float32(\(record.offset))"
        let scale = record.scale == InputPreprocessing.unitScale ? "float32(1/255)" : "float32(\(record.scale))"
        var properties: [(String, String)] = [
            ("pneumo.format", "pneumo-onnx-2"),
            ("pneumo.model", source.name),
            ("pneumo.class_names", json(metadata.classNames)),
            ("pneumo.input",
             "image: uint8 [N, 1, \(side), \(side)], one 8-bit grayscale plane per image, rows top to bottom"),
            ("pneumo.preprocessing.outside_graph",
             "Decode the JPEG with libjpeg-turbo to 8-bit grayscale (TJPF_GRAY; a CMYK JPEG is decoded as CMYK, its stored "
                + "values taken as inverted ink, and turned into BT.601 luma: round((299 C + 587 M + 114 Y) K / 255000)), "
                + "with the smallest IDCT scaling factor (n/8) that keeps both sides at least \(side) px; then resize to "
                + "\(side) x \(side) ignoring the aspect ratio, by area averaging along an axis that shrinks and bilinear "
                + "interpolation along one that grows. pneumo export --format pixels writes these planes for given files."),
            ("pneumo.preprocessing.in_graph",
             "x = float32(image) * \(scale)\(shift), the plane repeated to \(source.input.channels) channel(s), NCHW"),
            ("pneumo.calibration.in_graph", calibrationText(source)),
            ("pneumo.temperature", String(source.temperature)),
            ("pneumo.decision", decisionText(source)),
            ("pneumo.engine_version", metadata.engineVersion),
        ]
        if let threshold = metadata.threshold, source.classes == 2 {
            properties.append(("pneumo.threshold", String(threshold.threshold)))
            properties.append(("pneumo.threshold_rule", "\(threshold.strategy), chosen on \(threshold.chosenOn)"))
        }
        if let points = metadata.operatingPoints, !points.isEmpty,
           let data = try? JSONEncoder.sorted.encode(points) {
            properties.append(("pneumo.operating_points", String(decoding: data, as: UTF8.self)))
        }
        properties += augmentationProperties(used: augmentation, stored: source.storedAugmentation, calibrated: metadata.calibration != nil)
        if let note = familiarityNote(metadata) { properties.append(("pneumo.familiarity", note)) }
        if let checkpoint = metadata.weights?.checkpointID { properties.append(("pneumo.checkpoint_id", checkpoint)) }
        return properties
    }

    /// The checkpoint's familiarity check, which the graph does not run: said so the user knows
    /// the graph answers on any input.
    private static func familiarityNote(_ metadata: CheckpointMetadata) -> String? {
        let checks = metadata.familiarityChecks.checks
        guard let first = checks.first else { return nil }
        return "Not in the graph. pneumo predict, explain and serve refuse an image whose features (the output of layer "
            + "\(first.layer), \(first.dimension) values) lie farther from the training images' than those of "
            + "\(NumberFormat.percent(1 - first.refusedShare, 0)) of the validation images: "
            + "smallest squared Mahalanobis distance to a class mean above \(FeatureFamiliarity.format(first.limit))"
            + (checks.count > 1 ? " (each member has its own limit)" : "")
            + ". This graph answers on any input; check what it is fed."
    }

    /// What the graph does with test-time augmentation, and whether the temperature was fitted that way.
    private static func augmentationProperties(
        used: TestTimeAugmentation?, stored: TestTimeAugmentation?, calibrated: Bool
    ) -> [(String, String)] {
        var properties: [(String, String)] = []
        if let used, let data = try? JSONEncoder.sorted.encode(used) {
            properties.append(("pneumo.test_time_augmentation", String(decoding: data, as: UTF8.self)))
            properties.append(("pneumo.test_time_augmentation.in_graph",
                "Each image is scored over these copies: the graph makes them from the input (shift as a share of the side, "
                    + "positive right and down, then zoom about the centre; bilinear, edges repeated, rounded half up to "
                    + "uint8), runs them as one batch, and output '\(ONNXModelExport.logitName)' is the mean of their logits, "
                    + "to which the temperature applies. Feed the image as it is; do not average copies again."))
        }
        if calibrated, used != stored {
            let fitted = stored.map { "on the mean logit over \($0.variants.count) copies (test-time augmentation)" } ?? "on one pass"
            properties.append(("pneumo.test_time_augmentation.calibration",
                "The temperature and thresholds were fitted \(fitted), not the way this graph scores; "
                    + "pneumo calibrate --tta or --no-tta refits a checkpoint to match."))
        }
        return properties
    }

    private static func calibrationText(_ source: ExportSource) -> String {
        let head = source.classes == 2
            ? "probability = [1 - p, p] with p = sigmoid(logit / T)"
            : "probability = softmax(logit / T)"
        let t = "T = \(source.temperature) (pneumo.temperature; 1 when the checkpoint was never calibrated)"
        guard source.isEnsemble else { return "\(head), \(t)" }
        let members = source.networks.map { String($0.memberTemperature ?? 1) }.joined(separator: ", ")
        return "\(head), \(t); logit is the ensemble's: its \(source.networks.count) members' calibrated probabilities "
            + "(member temperatures \(members)) averaged, clamped to [1e-7, 1 - 1e-7] and turned back into "
            + (source.classes == 2 ? "log(p / (1 - p))" : "log(p) per class")
    }

    private static func decisionText(_ source: ExportSource) -> String {
        if source.classes == 2 {
            return "class 1 (\(source.metadata.classNames[1])) when probability[:, 1] >= pneumo.threshold, else class 0"
        }
        return "the class of the largest probability (the lowest index among ties)"
    }

    private static func json(_ values: [String]) -> String {
        (try? JSONEncoder.sorted.encode(values)).map { String(decoding: $0, as: UTF8.self) } ?? values.joined(separator: ",")
    }
}

private extension JSONEncoder {
    /// Compact JSON with sorted keys, so the same checkpoint always gives the same bytes.
    static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }
}
