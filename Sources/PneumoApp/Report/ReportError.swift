/// Report content that cannot be drawn or encoded (a table, chart or picture), with the reason.
public struct ReportError: Error, CustomStringConvertible, Equatable {
    /// What is wrong.
    public let detail: String

    /// Creates an error.
    public init(detail: String) {
        self.detail = detail
    }

    public var description: String { detail }
}
