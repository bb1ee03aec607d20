import Foundation

/// A problem with the data set as a whole, with what to do about it.
public enum DataError: Error, CustomStringConvertible, Equatable {
    case missingRoot(URL)
    case notADirectory(URL)
    case noSplitFolders(URL)
    case missingSplit(URL, DatasetSplit)
    case unreadableDirectory(URL, String)
    case noImages(String)
    case strictScan([DatasetIssue])
    case strictDecode([ImageLoadError])
    case invalidOption(String)
    case unusableCache(URL, String)

    public var description: String {
        switch self {
        case let .missingRoot(url):
            return "data folder \(url.path) does not exist: pass the folder that holds train/, val/ and test/ (--data)"
        case let .notADirectory(url):
            return "\(url.path) is a file, not a folder: pass the folder that holds train/, val/ and test/"
        case let .noSplitFolders(url):
            return "\(url.path) has no train/, val/ or test/ folder: expected ROOT/{train,val,test}/{NORMAL,PNEUMONIA}/*.jpeg"
        case let .missingSplit(url, split):
            return "\(url.path) has no \(split.rawValue)/ folder: add it or do not ask for that split"
        case let .unreadableDirectory(url, why):
            return "cannot list \(url.path): \(why); check that the folder exists and its permissions let you read it"
        case let .noImages(what):
            return "no images: \(what)"
        case let .strictScan(issues):
            return "strict mode: \(issues.count) problem(s) in the data set:\n" + issues.map { "  \($0)" }.joined(separator: "\n")
        case let .strictDecode(failures):
            return "strict mode: \(failures.count) image(s) could not be decoded:\n"
                + failures.prefix(20).map { "  \($0)" }.joined(separator: "\n")
                + (failures.count > 20 ? "\n  ... and \(failures.count - 20) more" : "")
        case let .invalidOption(why):
            return "invalid option: \(why)"
        case let .unusableCache(url, why):
            return "cannot use \(url.path) as the decoded-image cache: \(why); pass a folder with --cache-dir (or PNEUMO_CACHE_DIR), or use --no-cache"
        }
    }
}

/// Something wrong with one file or folder found while scanning; skipped unless strict.
public struct DatasetIssue: Equatable, Sendable, CustomStringConvertible {
    public let path: URL
    public let problem: String

    public init(path: URL, problem: String) {
        self.path = path
        self.problem = problem
    }

    public var description: String { "\(path.path): \(problem)" }
}
