/// A checkpoint that cannot be saved or loaded, naming the file and the problem.
public struct CheckpointError: Error, CustomStringConvertible, Equatable {
    /// The kinds of problem, for callers that react differently to each.
    public enum Problem: String, Sendable {
        case missing, unreadable, invalidMetadata, truncated, mismatched, corrupted, invalidWeights
    }

    /// The file the problem is in.
    public let file: String
    /// What kind of problem it is.
    public let problem: Problem
    /// The problem in words, with what to do about it.
    public let detail: String

    /// Creates an error.
    public init(file: String, problem: Problem, detail: String) {
        self.file = file
        self.problem = problem
        self.detail = detail
    }

    public var description: String { "checkpoint \(file): \(detail)" }
}
