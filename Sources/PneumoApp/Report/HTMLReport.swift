import Foundation

/// A self-contained HTML report: inline CSS, inline SVG charts and inline PNG images, so the
/// single file can be mailed, archived or opened offline. Every piece of text is escaped.
public struct HTMLReport: Sendable {
    /// The page title and main heading.
    public var title: String
    /// A line under the title, e.g. the model and data set.
    public var subtitle: String?
    private var blocks: [String] = []

    /// Creates an empty report.
    public init(title: String, subtitle: String? = nil) {
        self.title = title
        self.subtitle = subtitle
    }

    /// Starts a new section with a heading.
    public mutating func addHeading(_ text: String) {
        blocks.append("<h2>\(HTMLEscaping.escape(text))</h2>")
    }

    /// Adds a paragraph of plain text.
    public mutating func addParagraph(_ text: String) {
        blocks.append("<p>\(HTMLEscaping.escape(text))</p>")
    }

    /// Adds a two-column list of labelled values (run settings, data summary).
    public mutating func addKeyValues(_ pairs: [(key: String, value: String)]) {
        let rows = pairs.map { "<tr><th scope=\"row\">\(HTMLEscaping.escape($0.key))</th><td>\(HTMLEscaping.escape($0.value))</td></tr>" }
        blocks.append("<table class=\"keys\">\(rows.joined())</table>")
    }

    /// Adds a table; every row must have as many cells as there are headers.
    public mutating func addTable(headers: [String], rows: [[String]], caption: String? = nil, numericColumnsFrom: Int = 1) throws {
        for (index, row) in rows.enumerated() where row.count != headers.count {
            throw ReportError(detail: "table row \(index) has \(row.count) cells for \(headers.count) columns")
        }
        var html = "<table>"
        if let caption { html += "<caption>\(HTMLEscaping.escape(caption))</caption>" }
        html += "<thead><tr>" + headers.map { "<th>\(HTMLEscaping.escape($0))</th>" }.joined() + "</tr></thead><tbody>"
        for row in rows {
            html += "<tr>"
            for (column, cell) in row.enumerated() {
                let numeric = column >= numericColumnsFrom ? " class=\"num\"" : ""
                html += "<td\(numeric)>\(HTMLEscaping.escape(cell))</td>"
            }
            html += "</tr>"
        }
        blocks.append(html + "</tbody></table>")
    }

    /// Adds metric rows as a table of value and 95% (or other level) interval.
    public mutating func addMetricTable(_ rows: [MetricRow], caption: String? = nil, level: Double = 0.95) {
        let intervalHeader = "\(NumberFormat.fixed(level * 100, 0))% interval"
        let cells = rows.map { row -> [String] in
            let digits = row.isCount ? 0 : 3
            let value = row.value.map { NumberFormat.fixed($0, digits) } ?? "n/a"
            let interval = row.interval.map { "\(NumberFormat.fixed($0.lower, digits)) – \(NumberFormat.fixed($0.upper, digits))" } ?? ""
            return [row.name, value, interval]
        }
        // Cannot fail: every row has three cells for three headers.
        try? addTable(headers: ["Metric", "Value", intervalHeader], rows: cells, caption: caption)
    }

    /// Adds charts side by side (wrapping on narrow screens), each with an optional caption.
    public mutating func addCharts(_ charts: [any SVGChart], captions: [String?] = []) {
        var html = "<div class=\"charts\">"
        for (index, chart) in charts.enumerated() {
            html += "<figure>\(chart.svg)"
            if index < captions.count, let caption = captions[index] {
                html += "<figcaption>\(HTMLEscaping.escape(caption))</figcaption>"
            }
            html += "</figure>"
        }
        blocks.append(html + "</div>")
    }

    /// Adds a grid of captioned grayscale images, `columns` per row, each shown `displayWidth` px wide at most.
    public mutating func addImageGrid(_ images: [GridImage], columns: Int = 6, displayWidth: Int = 160) throws {
        blocks.append(try ImageGridHTML.render(images, columns: columns, displayWidth: displayWidth))
    }

    /// The complete HTML document.
    public func render() -> String {
        var html = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        html += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        html += "<title>\(HTMLEscaping.escape(title))</title><style>\(Self.style)</style></head><body><main>"
        html += "<h1>\(HTMLEscaping.escape(title))</h1>"
        if let subtitle { html += "<p class=\"subtitle\">\(HTMLEscaping.escape(subtitle))</p>" }
        html += blocks.joined(separator: "\n")
        return html + "</main></body></html>\n"
    }

    /// Writes the document to `url` atomically.
    public func write(to url: URL) throws {
        try AtomicFile.write(render(), to: url)
    }

    private static let style = """
        body{margin:0;background:#fafafa;color:#1b1b1b;font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif}\
        main{max-width:1100px;margin:0 auto;padding:24px}\
        h1{font-size:26px;margin:0 0 4px}h2{font-size:19px;margin:32px 0 10px;border-bottom:1px solid #ddd;padding-bottom:4px}\
        .subtitle,.muted{color:#666}\
        table{border-collapse:collapse;margin:8px 0 16px;background:#fff}\
        th,td{border:1px solid #ddd;padding:4px 10px;text-align:left}th{background:#f0f0f0}\
        td.num{text-align:right;font-variant-numeric:tabular-nums}\
        table.keys th{background:#f7f7f7;font-weight:600}\
        caption{caption-side:top;text-align:left;font-weight:600;padding:4px 0}\
        .charts{display:flex;flex-wrap:wrap;gap:16px}\
        figure{margin:0;background:#fff;border:1px solid #e3e3e3;padding:8px}\
        figure svg{display:block;max-width:100%;height:auto}\
        figcaption{font-size:13px;text-align:center;margin-top:4px;overflow-wrap:anywhere}\
        .grid{display:grid;gap:10px}\
        .tile{padding:4px;border-width:3px}.tile img{display:block;width:100%;height:auto}\
        .tile.correct{border-color:#009E73}.tile.wrong{border-color:#D55E00}
        """
}
