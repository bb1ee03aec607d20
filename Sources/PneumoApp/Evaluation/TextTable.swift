/// A plain-text table with aligned columns, for terminal output.
public struct TextTable: Sendable {
    /// Column headings.
    public var headers: [String]
    /// Rows of cells; short rows are padded with empty cells.
    public var rows: [[String]]
    /// Indices of the right-aligned (numeric) columns.
    public var rightAligned: Set<Int>

    /// Creates a table whose columns from `numericFrom` on are right-aligned.
    public init(headers: [String], rows: [[String]], numericFrom: Int = 1) {
        self.init(headers: headers, rows: rows, rightAligned: Set(numericFrom..<max(numericFrom, headers.count)))
    }

    /// Creates a table with the given right-aligned columns.
    public init(headers: [String], rows: [[String]], rightAligned: Set<Int>) {
        self.headers = headers
        self.rows = rows
        self.rightAligned = rightAligned
    }

    /// The table as lines joined by newlines, with a rule under the headings.
    public func render() -> String {
        let all = [headers] + rows
        let columns = all.map(\.count).max() ?? 0
        let widths = (0..<columns).map { column in all.map { column < $0.count ? $0[column].count : 0 }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            var text = (0..<columns).map { column -> String in
                let cell = column < cells.count ? cells[column] : ""
                let pad = String(repeating: " ", count: widths[column] - cell.count)
                return rightAligned.contains(column) ? pad + cell : cell + pad
            }.joined(separator: "  ")
            while text.last == " " { text.removeLast() }
            return text
        }
        let rule = widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")
        return ([line(headers), rule] + rows.map(line)).joined(separator: "\n")
    }
}
