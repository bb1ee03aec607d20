import Foundation
import PneumoData

/// How `pneumo predict` prints its results.
public enum PredictionFormat: String, CaseIterable, Sendable {
    case table, csv, json

    /// The results in this format; failed files appear with their reason.
    public func render(_ result: PredictionResult) throws -> String {
        switch self {
        case .table: return Self.table(result)
        case .csv: return Self.csv(result)
        case .json: return try Self.json(result)
        }
    }

    private static func probabilityText(_ value: Double?) -> String {
        value.map { NumberFormat.fixed($0, 4) } ?? ""
    }

    private static func table(_ result: PredictionResult) -> String {
        let showTruth = result.entries.contains { $0.trueClass != nil }
        var headers = ["file", "class", "probability"]
        if showTruth { headers.append("true class") }
        headers.append("note")
        let rows = result.entries.map { entry -> [String] in
            var row = [entry.file, entry.predictedClass ?? "-", probabilityText(entry.probability)]
            if showTruth { row.append(entry.trueClass ?? "") }
            row.append(entry.error.map { "error: \($0)" } ?? entry.quality.map(Self.qualityNote) ?? "")
            return row
        }
        var lines = [TextTable(headers: headers, rows: rows, rightAligned: [2]).render()]
        var summary = "\(result.predictedCount) of \(result.entries.count) file(s) predicted by \(result.modelName)"
        if let threshold = result.threshold {
            summary += "; \(result.classNames[1]) when its probability is at least \(ThresholdDecision.format(threshold))"
        }
        lines.append(summary)
        return lines.joined(separator: "\n")
    }

    private static func csv(_ result: PredictionResult) -> String {
        let header = ["file", "class", "probability"] + result.classNames.map { "p_\($0)" } + ["true_class", "error", "quality"]
        var lines = [header.map(csvField).joined(separator: ",")]
        for entry in result.entries {
            let perClass = result.classNames.indices.map { index in probabilityText(entry.probabilities?[index]) }
            let fields = [entry.file, entry.predictedClass ?? "", probabilityText(entry.probability)] + perClass
                + [entry.trueClass ?? "", entry.error ?? "", entry.quality.map(Self.qualityNote) ?? ""]
            lines.append(fields.map(csvField).joined(separator: ","))
        }
        return lines.joined(separator: "\n")
    }

    /// A flagged prediction's failed rules, so nobody reads it as a clean answer.
    static func qualityNote(_ findings: [QualityFinding]) -> String {
        "LOW QUALITY, do not rely on it: " + findings.map(\.description).joined(separator: "; ")
    }

    /// Quotes a field holding a comma, quote or line break, doubling inner quotes (RFC 4180).
    static func csvField(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    private struct Document: Encodable {
        let model: String
        let classNames: [String]
        let threshold: Double?
        let predicted: Int
        let failed: Int
        let predictions: [PredictionEntry]

        enum CodingKeys: String, CodingKey {
            case model, classNames = "class_names", threshold, predicted, failed, predictions
        }
    }

    private static func json(_ result: PredictionResult) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let document = Document(
            model: result.modelName, classNames: result.classNames, threshold: result.threshold,
            predicted: result.predictedCount, failed: result.failures.count, predictions: result.entries)
        return String(decoding: try encoder.encode(document), as: UTF8.self)
    }
}
