/// One named metric with its point estimate and interval, ready for a table.
public struct MetricRow: Codable, Equatable, Sendable {
    /// Display name, e.g. "ROC AUC".
    public var name: String
    /// Point estimate; nil when undefined on this data.
    public var value: Double?
    /// Bootstrap interval, when computed.
    public var interval: ConfidenceInterval?
    /// Whether the value is a count rather than a fraction (shown without decimals).
    public var isCount: Bool

    /// Creates a row.
    public init(name: String, value: Double?, interval: ConfidenceInterval?, isCount: Bool = false) {
        self.name = name
        self.value = value
        self.interval = interval
        self.isCount = isCount
    }
}
