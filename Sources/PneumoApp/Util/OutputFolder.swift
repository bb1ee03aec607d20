import Foundation

/// Makes the folder an output goes into, one level at most: a mistyped path then fails with
/// a message instead of creating a chain of folders somewhere unexpected.
public enum OutputFolder {
    /// Creates `folder` when it is missing and its parent exists; throws `FileWriteError` when
    /// the parent is missing or `folder` is a file.
    public static func prepare(_ folder: URL) throws {
        let folder = folder.standardizedFileURL
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw FileWriteError(path: folder.path, reason: "it is a file, not a folder; choose another output path")
            }
            return
        }
        let parent = folder.deletingLastPathComponent()
        guard FileManager.default.fileExists(atPath: parent.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw FileWriteError(
                path: folder.path, reason: "the folder \(parent.path) does not exist; create it first, or check the output path for a typo")
        }
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: false)
        } catch {
            throw FileWriteError(path: folder.path, reason: "cannot create the folder (\((error as NSError).localizedDescription))")
        }
    }
}
