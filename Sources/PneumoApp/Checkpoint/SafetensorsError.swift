/// A safetensors file that cannot be read or written, naming the file and the problem.
public struct SafetensorsError: Error, CustomStringConvertible, Equatable {
    /// The kinds of problem, for callers that react differently to each.
    public enum Problem: String, Sendable {
        case unreadable, truncated, headerTooLarge, invalidHeader, invalidJSON
        case unsupportedDType, invalidShape, sizeMismatch, offsetsOutOfRange, overlap, gap, trailingBytes
        case invalidTensor, missingTensor
    }

    /// The file (or "<memory>") the problem is in.
    public let file: String
    /// What kind of problem it is.
    public let problem: Problem
    /// The problem in words, with the numbers involved.
    public let detail: String

    /// Creates an error.
    public init(file: String, problem: Problem, detail: String) {
        self.file = file
        self.problem = problem
        self.detail = detail
    }

    public var description: String { "safetensors file \(file): \(detail)" }
}
