import Foundation
import PneumoApp

extension ModelMetadata {
    /// Describes a loaded checkpoint: architecture name as id, the weights' CRC-32 as version,
    /// the architecture with its parameter count and explained layer, and the checkpoint's
    /// training metrics, threshold choice and provenance.
    init(model: TrainedModel, explainedLayer: String?) throws {
        let checkpoint = model.metadata
        var architecture: [String: JSONValue] = [:]
        if case .object(let fields) = try JSONValue(encoding: model.spec) { architecture = fields }
        architecture["parameter_count"] = .number(Double(model.network.parameterCount))
        architecture["heatmap_layer"] = explainedLayer.map(JSONValue.string) ?? .null

        var training: [String: JSONValue] = [:]
        for (name, value) in checkpoint?.metrics ?? [:] { training[name] = .number(value) }
        if let checkpoint {
            if let choice = checkpoint.threshold { training["threshold_choice"] = try JSONValue(encoding: choice) }
            training["created_at"] = .string(checkpoint.createdAt.formatted(Date.ISO8601FormatStyle()))
            training["engine_version"] = .string(checkpoint.engineVersion)
            training["data_fingerprint"] = .string(checkpoint.dataFingerprint)
            training["training_options"] = try JSONValue(encoding: checkpoint.trainingOptions)
        }
        // The copies every answer is averaged over, when the calibration was fitted that way.
        if let augmentation = model.scoringAugmentation {
            training["test_time_augmentation"] = try JSONValue(encoding: augmentation)
        }
        // The familiarity check's limit (the matrices stay in the checkpoint); one per ensemble member.
        let checks = model.familiarityChecks
        if !checks.isEmpty {
            let summaries: [JSONValue] = checks.map { check in
                .object([
                    "layer": .string(check.layer), "dimension": .integer(check.dimension), "limit": .number(check.limit),
                    "validation_median": .number(check.validationMedian), "validation_images": .integer(check.validationImages),
                    "fitted_images": .integer(check.fittedImages),
                ])
            }
            training["familiarity_check"] = model.members.isEmpty ? summaries[0] : .array(summaries)
        }
        let classes = model.classNames
        self.init(
            id: model.spec.name,
            version: checkpoint?.weights?.crc32 ?? "unsaved",
            classes: classes,
            positiveClass: classes[min(1, classes.count - 1)],
            threshold: model.threshold,
            architecture: .object(architecture),
            trainingMetrics: .object(training),
            temperature: checkpoint?.calibration?.temperature,
            operatingPoint: checkpoint?.threshold)
    }
}
