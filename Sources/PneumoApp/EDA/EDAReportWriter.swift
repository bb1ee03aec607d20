import Foundation

/// Writes report.html and eda.json, each atomically (a temporary file renamed into place).
public enum EDAReportWriter {
    /// Writes both files into `directory` (created if its parent exists) and returns their locations.
    @discardableResult
    public static func write(_ result: ExploratoryAnalysis.Result, to directory: URL) throws -> (html: URL, json: URL) {
        try OutputFolder.prepare(directory)
        let html = directory.appendingPathComponent("report.html")
        let json = directory.appendingPathComponent("eda.json")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try save(Data(EDAHTMLRenderer.render(result).utf8), to: html)
        try save(try encoder.encode(result.report), to: json)
        return (html, json)
    }

    private static func save(_ data: Data, to url: URL) throws {
        do {
            try data.write(to: url, options: .atomic)
        } catch {
            throw EDAError.cannotWrite(url, error.localizedDescription)
        }
    }
}
