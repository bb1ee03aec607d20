/// Problems with training options or state, said in the command line's terms.
public enum TrainingError: Error, CustomStringConvertible, Equatable {
    case invalidOption(String)
    case resumeMismatch(String)
    case diverged(String)

    public var description: String {
        switch self {
        case let .invalidOption(why): return why
        case let .resumeMismatch(why): return "cannot resume: \(why)"
        case let .diverged(why): return "training diverged: \(why)"
        }
    }
}
