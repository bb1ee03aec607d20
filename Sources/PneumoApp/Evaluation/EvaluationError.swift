/// Problems specific to evaluating or applying a model, said in the command line's terms.
public enum EvaluationError: Error, CustomStringConvertible, Equatable {
    /// An option is out of range or does not apply to this model.
    case invalidOption(String)
    /// The model cannot be used the way it was asked (e.g. an unknown number of classes).
    case unsupportedModel(String)
    /// The data do not allow the requested computation.
    case unusableData(String)

    public var description: String {
        switch self {
        case let .invalidOption(why): return why
        case let .unsupportedModel(why): return why
        case let .unusableData(why): return why
        }
    }
}
