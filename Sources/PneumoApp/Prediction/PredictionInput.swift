import Foundation
import PneumoData

/// One thing named on the command line, resolved: an image to predict or a problem to report.
enum PredictionItem: Equatable {
    case image(ImageSample)
    case problem(path: String, reason: String)
}

/// Turns the files and folders given to `pneumo predict` into images, in the order given
/// (a folder's images sorted by path), each file once.
enum PredictionInput {
    static func gather(_ paths: [URL], labels: LabelScheme) -> [PredictionItem] {
        var items = [PredictionItem]()
        var seen = Set<String>()
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path.path, isDirectory: &isDirectory) else {
                items.append(.problem(path: path.path, reason: "does not exist"))
                continue
            }
            let samples: [ImageSample]
            do {
                samples = isDirectory.boolValue
                    ? try DatasetScanner.scanFolder(path, labels: labels).samples
                    : try DatasetScanner.scanFiles([path], labels: labels).samples
            } catch DataError.noImages {
                items.append(.problem(path: path.path, reason: "folder holds no .jpg or .jpeg files"))
                continue
            } catch {
                items.append(.problem(path: path.path, reason: "\(error)"))
                continue
            }
            for sample in samples where seen.insert(sample.file.standardizedFileURL.path).inserted {
                items.append(.image(sample))
            }
        }
        return items
    }
}
