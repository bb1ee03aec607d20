/// A parsed Content-Type value such as `multipart/form-data; boundary=x`.
struct MediaType: Equatable {
    /// `type/subtype`, lowercased.
    var essence: String
    /// Parameters with lowercased names; values unquoted, case kept.
    var parameters: [String: String]

    /// Parses a header value; nil when it has no `type/subtype`.
    init?(_ value: String) {
        let pieces = value.split(separator: ";", omittingEmptySubsequences: false)
        guard let first = pieces.first else { return nil }
        let essence = first.trimmingSpaces().lowercased()
        let halves = essence.split(separator: "/", omittingEmptySubsequences: false)
        guard halves.count == 2, !halves[0].isEmpty, !halves[1].isEmpty else { return nil }
        self.essence = essence
        var parameters: [String: String] = [:]
        for piece in pieces.dropFirst() {
            guard let equals = piece.firstIndex(of: "=") else { continue }
            let name = piece[..<equals].trimmingSpaces().lowercased()
            var value = piece[piece.index(after: equals)...].trimmingSpaces()
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") {
                value = String(value.dropFirst().dropLast())
            }
            parameters[name] = value
        }
        self.parameters = parameters
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces and tabs.
    func trimmingSpaces() -> String {
        var slice = Substring(self)
        while let first = slice.first, first == " " || first == "\t" { slice = slice.dropFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice = slice.dropLast() }
        return String(slice)
    }
}
