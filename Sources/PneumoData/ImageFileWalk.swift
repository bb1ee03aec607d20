import Foundation

/// Finds the JPEG and DICOM files under a folder, at any depth, and names every entry met on the way
/// that cannot be used, so nothing is dropped without a word.
struct ImageFileWalk {
    let fileSystem: FileSystemProbe

    /// Regular `.jpg`/`.jpeg`/`.dcm` files, and files of other names that start like DICOM, under `root`, sorted by path, and the problems met.
    /// Throws when `root` itself cannot be listed; a subfolder that cannot be listed is an issue.
    func run(_ root: URL) throws -> (files: [URL], issues: [DatasetIssue]) {
        var files: [URL] = []
        var issues: [DatasetIssue] = []
        var searched = Set<FolderIdentity>()
        if case let .directory(identity) = fileSystem.kind(of: root) { searched.insert(identity) }
        try walk(root, above: searched, searched: &searched, files: &files, issues: &issues)
        files.sort { $0.path < $1.path }
        return (files, issues)
    }

    private func walk(
        _ folder: URL, above: Set<FolderIdentity>, searched: inout Set<FolderIdentity>,
        files: inout [URL], issues: inout [DatasetIssue]
    ) throws {
        for name in try fileSystem.entries(of: folder) where !name.hasPrefix(".") {
            let url = folder.appendingPathComponent(name)
            let kind = fileSystem.kind(of: url)
            switch kind {
            case .regular:
                if DatasetScanner.isImageName(name) || DICOMFormat.fileMatches(url) { files.append(url) }
            case let .directory(identity):
                if above.contains(identity) {
                    issues.append(DatasetIssue(path: url, problem: "symbolic link loop: leads back to a folder above it, not searched again"))
                    continue
                }
                // A folder reached a second time through a link: its images are already listed.
                guard searched.insert(identity).inserted else { continue }
                do {
                    try walk(url, above: above.union([identity]), searched: &searched, files: &files, issues: &issues)
                } catch let DataError.unreadableDirectory(_, why) {
                    issues.append(DatasetIssue(path: url, problem: "folder cannot be listed (\(why)): its images are not searched; check its permissions"))
                }
            case .special, .missing:
                // Only image names matter here: a socket called "agent" is nobody's X-ray.
                if DatasetScanner.isImageName(name), let problem = kind.problem { issues.append(DatasetIssue(path: url, problem: problem)) }
            case .brokenLink, .linkLoop, .unreadable:
                // These may hide a folder of images, so they are reported whatever their name.
                if let problem = kind.problem { issues.append(DatasetIssue(path: url, problem: problem)) }
            }
        }
    }
}
