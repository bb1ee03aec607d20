/// Renders a card as one self-contained HTML page.
public enum CardHTML {
    /// The whole card as an HTML document; every piece of text is escaped.
    public static func render(_ card: CardDocument) -> String {
        var html = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        html += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        html += "<title>\(e(card.title))</title><style>\(style)</style></head><body><main>"
        html += "<h1>\(e(card.title))</h1><p class=\"subtitle\">\(e(card.subtitle))</p>\n"
        for alert in card.alerts { html += "<div class=\"alert\" role=\"alert\">\(e(alert))</div>\n" }
        for section in card.sections {
            html += "<h2>\(e(section.title))</h2>\n"
            for block in section.blocks { html += render(block) + "\n" }
        }
        return html + "</main></body></html>\n"
    }

    private static func render(_ block: CardBlock) -> String {
        switch block {
        case let .subheading(text): return "<h3>\(e(text))</h3>"
        case let .paragraph(text): return "<p>\(e(text))</p>"
        case let .bullets(items): return "<ul>" + items.map { "<li>\(e($0))</li>" }.joined() + "</ul>"
        case let .table(headers, rows):
            let head = "<thead><tr>" + headers.map { "<th>\(e($0))</th>" }.joined() + "</tr></thead>"
            let body = rows.map { "<tr>" + $0.map { "<td>\(e($0))</td>" }.joined() + "</tr>" }.joined()
            return "<table>\(head)<tbody>\(body)</tbody></table>"
        }
    }

    private static func e(_ text: String) -> String { HTMLEscaping.escape(text) }

    private static let style = """
        body{margin:0;background:#fafafa;color:#1b1b1b;font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif}\
        main{max-width:960px;margin:0 auto;padding:24px}\
        h1{font-size:26px;margin:0 0 4px}h2{font-size:19px;margin:30px 0 10px;border-bottom:1px solid #ddd;padding-bottom:4px}\
        h3{font-size:16px;margin:18px 0 6px}.subtitle{color:#666}\
        .alert{background:#fde8e8;border:2px solid #c0392b;color:#7b1d1d;font-weight:700;padding:10px 14px;margin:10px 0;border-radius:4px}\
        table{border-collapse:collapse;margin:8px 0 16px;background:#fff}\
        th,td{border:1px solid #ddd;padding:4px 10px;text-align:left;vertical-align:top}th{background:#f0f0f0}
        """
}
