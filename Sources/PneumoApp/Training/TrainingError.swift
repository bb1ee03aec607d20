import Foundation

/// Problems with training options or state, said in the command line's terms.
public enum TrainingError: Error, CustomStringConvertible, Equatable {
    case invalidOption(String)
    case resumeMismatch(String)
    case diverged(String)
    case runFolderInUse(URL)
    case missingRunFolder(URL)

    public var description: String {
        switch self {
        case let .invalidOption(why): return why
        case let .resumeMismatch(why): return "cannot resume: \(why)"
        case let .diverged(why): return "training diverged: \(why)"
        case let .runFolderInUse(folder):
            return "another training is using the run folder \(folder.path); wait for it to finish, or choose another --out"
        case let .missingRunFolder(folder):
            return "cannot resume: the run folder \(folder.path) does not exist; pass the folder of an interrupted run to --resume (the --out it was started with, e.g. runs/pneumonet-20250101-120000)"
        }
    }
}
