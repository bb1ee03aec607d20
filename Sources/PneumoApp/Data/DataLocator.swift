import Foundation

/// Finds the chest X-ray data set: `--data`, else `$PNEUMO_DATA`, else
/// `../shared/data/chest_xray` beside the working directory when it exists.
public enum DataLocator {
    public static let environmentVariable = "PNEUMO_DATA"
    static let conventionalPath = "../shared/data/chest_xray"

    public static func locate(
        _ explicit: String?, environment: [String: String] = ProcessInfo.processInfo.environment,
        workingDirectory: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    ) throws -> URL {
        if let explicit, !explicit.isEmpty { return try existing(URL(fileURLWithPath: explicit), from: "--data") }
        if let path = environment[environmentVariable], !path.isEmpty {
            return try existing(URL(fileURLWithPath: path), from: "$\(environmentVariable)")
        }
        let conventional = workingDirectory.appendingPathComponent(conventionalPath).standardizedFileURL
        if isDirectory(conventional) { return conventional }
        throw DataLocationError.notFound
    }

    private static func existing(_ url: URL, from source: String) throws -> URL {
        guard isDirectory(url) else { throw DataLocationError.missing(url.path, source: source) }
        return url
    }

    private static func isDirectory(_ url: URL) -> Bool {
        var directory: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &directory) && directory.boolValue
    }
}

public enum DataLocationError: Error, CustomStringConvertible, Equatable {
    case notFound
    case missing(String, source: String)

    public var description: String {
        switch self {
        case .notFound:
            return """
                no data set given: pass --data ROOT or set PNEUMO_DATA to a folder laid out as \
                ROOT/{train,val,test}/{NORMAL,PNEUMONIA}/*.jpeg. The data set is "Chest X-Ray Images \
                (Pneumonia)" (Kermany et al., Mendeley Data v2, doi:10.17632/rscbjbr9sj.2; also on Kaggle \
                as paultimothymooney/chest-xray-pneumonia), licensed CC BY 4.0.
                """
        case let .missing(path, source):
            return "the data folder \(path) (from \(source)) does not exist or is not a folder"
        }
    }
}
