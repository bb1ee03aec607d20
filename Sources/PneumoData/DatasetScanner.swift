import Foundation

/// Finds image files: the Kaggle layout, a plain folder, or a list of files.
public enum DatasetScanner {
    /// File extensions taken as JPEG, compared without case.
    public static let imageExtensions: Set<String> = ["jpg", "jpeg", DICOMFormat.fileExtension]
    /// The class folders of the Kaggle layout.
    public static let classFolders = ["NORMAL", "PNEUMONIA"]

    /// Scans `ROOT/{train,val,test}/{NORMAL,PNEUMONIA}/*.jpeg`. `splits` nil takes every
    /// split folder present; named splits must exist. Missing or empty class folders and
    /// unlabellable files are issues: skipped, or fatal when `strict`.
    public static func scanKaggle(
        root: URL, splits: [DatasetSplit]? = nil, labels: LabelScheme = .binary, strict: Bool = false,
        fileSystem: FileSystemProbe = LocalFileSystem()
    ) throws -> DatasetScan {
        try requireDirectory(root)
        let present = try folderNames(in: root, fileSystem)
        func folder(for split: DatasetSplit) -> String? { present.first { $0.lowercased() == split.rawValue } }
        let wanted: [DatasetSplit]
        if let splits {
            for split in splits where folder(for: split) == nil { throw DataError.missingSplit(root, split) }
            wanted = splits
        } else {
            wanted = DatasetSplit.allCases.filter { folder(for: $0) != nil }
            if wanted.isEmpty { throw DataError.noSplitFolders(root) }
        }
        var samples: [ImageSample] = []
        var issues: [DatasetIssue] = []
        for split in wanted {
            guard let splitName = folder(for: split) else { continue }
            let splitURL = root.appendingPathComponent(splitName, isDirectory: true)
            let classNames = try folderNames(in: splitURL, fileSystem)
            for className in classFolders {
                guard let actual = classNames.first(where: { $0.uppercased() == className }) else {
                    issues.append(DatasetIssue(path: splitURL.appendingPathComponent(className),
                                               problem: "class folder missing: no \(className.lowercased()) images in \(split.rawValue)"))
                    continue
                }
                let classURL = splitURL.appendingPathComponent(actual, isDirectory: true)
                let (files, skipped) = try imageFiles(in: classURL, fileSystem)
                issues += skipped
                if files.isEmpty {
                    issues.append(DatasetIssue(path: classURL, problem: "empty class folder: no .jpg, .jpeg or DICOM files"))
                }
                for file in files {
                    let name = file.lastPathComponent
                    guard let label = labels.label(folder: className, fileName: name) else {
                        issues.append(DatasetIssue(path: file, problem: "no \(labels.rawValue) label: the name says neither bacteria nor virus"))
                        continue
                    }
                    samples.append(ImageSample(file: file, split: split, classFolder: actual, label: label,
                                               patientID: PatientID.from(fileName: name)))
                }
            }
        }
        if strict && !issues.isEmpty { throw DataError.strictScan(issues) }
        if samples.isEmpty {
            throw DataError.noImages("no .jpg, .jpeg or DICOM files in \(root.path)/{\(wanted.map(\.rawValue).joined(separator: ","))}/{NORMAL,PNEUMONIA}")
        }
        return DatasetScan(samples: samples, issues: issues, labelScheme: labels)
    }

    /// Every JPEG under `folder`, at any depth, sorted by path. A file inside a folder named
    /// NORMAL or PNEUMONIA gets that label; others are unlabelled. Entries that cannot be used
    /// (named pipes, broken links, link loops, unlistable subfolders) are issues.
    public static func scanFolder(
        _ folder: URL, labels: LabelScheme = .binary, strict: Bool = false, fileSystem: FileSystemProbe = LocalFileSystem()
    ) throws -> DatasetScan {
        try requireDirectory(folder)
        let found = try findImages(under: folder, fileSystem: fileSystem)
        if strict && !found.issues.isEmpty { throw DataError.strictScan(found.issues) }
        if found.files.isEmpty {
            let skipped = found.issues.isEmpty ? "" : "; skipped:\n" + found.issues.map { "  \($0)" }.joined(separator: "\n")
            throw DataError.noImages("no usable .jpg, .jpeg or DICOM files under \(folder.path)\(skipped)")
        }
        var scan = try scanFiles(found.files, labels: labels, strict: strict, fileSystem: fileSystem)
        scan.issues = found.issues + scan.issues
        return scan
    }

    /// The regular JPEG files under `folder`, at any depth, sorted by path, and every entry met
    /// that cannot be used. Throws `DataError.unreadableDirectory` when `folder` cannot be listed.
    public static func findImages(
        under folder: URL, fileSystem: FileSystemProbe = LocalFileSystem()
    ) throws -> (files: [URL], issues: [DatasetIssue]) {
        try ImageFileWalk(fileSystem: fileSystem).run(folder)
    }

    /// The given files in the given order; missing ones are issues. Labels come from a
    /// parent folder named NORMAL or PNEUMONIA when there is one.
    public static func scanFiles(
        _ files: [URL], labels: LabelScheme = .binary, strict: Bool = false, fileSystem: FileSystemProbe = LocalFileSystem()
    ) throws -> DatasetScan {
        var samples: [ImageSample] = []
        var issues: [DatasetIssue] = []
        for file in files {
            switch fileSystem.kind(of: file) {
            case .regular:
                break
            case .directory:
                issues.append(DatasetIssue(path: file, problem: "is a folder, not an image file"))
                continue
            case .missing:
                issues.append(DatasetIssue(path: file, problem: "file does not exist"))
                continue
            case let other:
                issues.append(DatasetIssue(path: file, problem: other.problem ?? "cannot be used"))
                continue
            }
            let parent = file.deletingLastPathComponent().lastPathComponent
            let classFolder = classFolders.contains(parent.uppercased()) ? parent : nil
            let label = classFolder.flatMap { labels.label(folder: $0, fileName: file.lastPathComponent) }
            samples.append(ImageSample(file: file, split: nil, classFolder: classFolder, label: label,
                                       patientID: PatientID.from(fileName: file.lastPathComponent)))
        }
        if strict && !issues.isEmpty { throw DataError.strictScan(issues) }
        if samples.isEmpty { throw DataError.noImages("none of the \(files.count) listed files is a readable regular file") }
        return DatasetScan(samples: samples, issues: issues, labelScheme: labels)
    }

    /// True for names ending in .jpg, .jpeg or .dcm, any case, that are not hidden files.
    public static func isImageName(_ name: String) -> Bool {
        guard !name.hasPrefix("."), let dot = name.lastIndex(of: ".") else { return false }
        return imageExtensions.contains(name[name.index(after: dot)...].lowercased())
    }

    private static func requireDirectory(_ url: URL) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else { throw DataError.missingRoot(url) }
        guard isDirectory.boolValue else { throw DataError.notADirectory(url) }
    }

    private static func folderNames(in url: URL, _ fileSystem: FileSystemProbe) throws -> [String] {
        try fileSystem.entries(of: url).filter { isDirectory(url.appendingPathComponent($0), fileSystem) }
    }

    /// JPEG files directly in `folder`; other visible entries that are not folders become issues,
    /// and image names that are not regular files (a named pipe would block the reader) too.
    private static func imageFiles(in folder: URL, _ fileSystem: FileSystemProbe) throws -> (files: [URL], issues: [DatasetIssue]) {
        var files: [URL] = []
        var issues: [DatasetIssue] = []
        for name in try fileSystem.entries(of: folder) where !name.hasPrefix(".") {
            let url = folder.appendingPathComponent(name)
            let kind = fileSystem.kind(of: url)
            if case .directory = kind { continue }
            if let problem = kind.problem {
                issues.append(DatasetIssue(path: url, problem: problem))
            } else if isImageName(name) || DICOMFormat.fileMatches(url) {
                files.append(url)
            } else {
                issues.append(DatasetIssue(path: url, problem: "not a .jpg, .jpeg or DICOM file, ignored"))
            }
        }
        return (files, issues)
    }

    private static func isDirectory(_ url: URL, _ fileSystem: FileSystemProbe) -> Bool {
        if case .directory = fileSystem.kind(of: url) { return true }
        return false
    }
}
