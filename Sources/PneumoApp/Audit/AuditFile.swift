import Foundation

/// A result of either audit, as read back from its JSON file.
public enum AuditFile: Equatable, Sendable {
    /// A file of `pneumo audit size`.
    case size(SizeAuditResult)
    /// A file of `pneumo audit lungs`.
    case lungs(LungAuditResult)

    /// Pretty-printed JSON of a result, keys sorted.
    public static func json<Result: Encodable>(_ result: Result) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(result) + Data("\n".utf8)
    }

    /// Reads a file written by `pneumo audit size` or `pneumo audit lungs`.
    public static func read(_ url: URL) throws -> AuditFile {
        do {
            let data = try Data(contentsOf: url)
            struct Kind: Decodable { var kind: String }
            let decoder = JSONDecoder()
            switch try decoder.decode(Kind.self, from: data).kind {
            case "size": return .size(try decoder.decode(SizeAuditResult.self, from: data))
            case "lungs": return .lungs(try decoder.decode(LungAuditResult.self, from: data))
            case let other: throw AuditError.unreadableAudit(url.path, "its kind '\(other)' is neither 'size' nor 'lungs'")
            }
        } catch let error as AuditError {
            throw error
        } catch {
            throw AuditError.unreadableAudit(url.path, "\(error)")
        }
    }
}
