import Foundation
import PneumoData

/// One thing named on the command line, resolved: an image to predict or a problem to report.
enum PredictionItem: Equatable {
    case image(ImageSample)
    case problem(path: String, reason: String)
}

/// Turns the files and folders given to `pneumo predict` into images, in the order given
/// (a folder's images sorted by path, then what was skipped in it), each file once. Every
/// input named, and every entry a folder walk meets that cannot be used, becomes a problem
/// with its reason: nothing is dropped without a word.
enum PredictionInput {
    static func gather(_ paths: [URL], labels: LabelScheme, fileSystem: FileSystemProbe = LocalFileSystem()) -> [PredictionItem] {
        var items = [PredictionItem]()
        var seen = Set<String>()
        for path in paths {
            let files: [URL]
            var skipped: [DatasetIssue] = []
            switch fileSystem.kind(of: path) {
            case .regular:
                files = [path]
            case .directory:
                do {
                    (files, skipped) = try DatasetScanner.findImages(under: path, fileSystem: fileSystem)
                } catch {
                    items.append(.problem(path: path.path, reason: "\(error)"))
                    continue
                }
                if files.isEmpty && skipped.isEmpty {
                    items.append(.problem(path: path.path, reason: "folder holds no .jpg, .jpeg or DICOM files"))
                    continue
                }
            case let other:
                if seen.insert(path.standardizedFileURL.path).inserted {
                    items.append(.problem(path: path.path, reason: other.problem ?? "cannot be used"))
                }
                continue
            }
            var samples: [ImageSample] = []
            if !files.isEmpty {
                do {
                    let scan = try DatasetScanner.scanFiles(files, labels: labels, fileSystem: fileSystem)
                    samples = scan.samples
                    skipped = scan.issues + skipped
                } catch {
                    // Every file vanished between the walk and the scan.
                    items.append(.problem(path: path.path, reason: "\(error)"))
                }
            }
            for sample in samples where seen.insert(sample.file.standardizedFileURL.path).inserted {
                items.append(.image(sample))
            }
            for issue in skipped where seen.insert(issue.path.standardizedFileURL.path).inserted {
                items.append(.problem(path: issue.path.path, reason: issue.problem))
            }
        }
        return items
    }
}
