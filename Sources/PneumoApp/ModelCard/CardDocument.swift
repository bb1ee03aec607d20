/// A model card as structure, so that the Markdown and HTML forms say exactly the same.
public struct CardDocument: Equatable, Sendable {
    /// The main heading.
    public var title: String
    /// A line under the title.
    public var subtitle: String
    /// Notices a reader must see before anything else (no calibration, training warnings).
    public var alerts: [String]
    /// The sections, in reading order.
    public var sections: [CardSection]

    /// The section called `title`, if present.
    public func section(_ title: String) -> CardSection? { sections.first { $0.title == title } }
}

/// One headed section of a card.
public struct CardSection: Equatable, Sendable {
    /// The heading.
    public var title: String
    /// The content, in order.
    public var blocks: [CardBlock]

    /// Creates a section.
    public init(_ title: String, _ blocks: [CardBlock]) {
        self.title = title
        self.blocks = blocks
    }
}

/// A piece of a section's content.
public enum CardBlock: Equatable, Sendable {
    /// A sub-heading inside a section.
    case subheading(String)
    /// A paragraph of plain text.
    case paragraph(String)
    /// A bulleted list.
    case bullets([String])
    /// A table; every row has as many cells as there are headers.
    case table(headers: [String], rows: [[String]])
}
