/// Renders a card as Markdown.
public enum CardMarkdown {
    /// The whole card as one Markdown document.
    public static func render(_ card: CardDocument) -> String {
        var lines = ["# \(card.title)", "", card.subtitle, ""]
        for alert in card.alerts { lines += ["> **\(escape(alert))**", ""] }
        for section in card.sections {
            lines += ["## \(section.title)", ""]
            for block in section.blocks { lines += render(block) + [""] }
        }
        return lines.joined(separator: "\n")
    }

    private static func render(_ block: CardBlock) -> [String] {
        switch block {
        case let .subheading(text): return ["### \(text)"]
        case let .paragraph(text): return [escape(text)]
        case let .bullets(items): return items.map { "- \(escape($0))" }
        case let .table(headers, rows):
            let line = { (cells: [String]) in "| " + cells.map { escape($0).replacingOccurrences(of: "|", with: "\\|") }.joined(separator: " | ") + " |" }
            return [line(headers), "|" + headers.map { _ in " --- |" }.joined()] + rows.map(line)
        }
    }

    /// Keeps text from starting lists or emphasis by accident: the card's text is data, not markup.
    private static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "*", with: "\\*").replacingOccurrences(of: "_", with: "\\_")
            .replacingOccurrences(of: "\n", with: " ")
    }
}
