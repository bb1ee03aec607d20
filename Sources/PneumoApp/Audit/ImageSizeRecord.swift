import Foundation
import PneumoData

/// One image's original size and class, the only inputs of the size audit.
public struct ImageSizeRecord: Equatable, Sendable {
    /// The split the image belongs to.
    public var split: DatasetSplit
    /// 0 normal, 1 pneumonia.
    public var label: Int
    /// The original's size in pixels.
    public var width: Int
    public var height: Int

    /// Creates a record.
    public init(split: DatasetSplit, label: Int, width: Int, height: Int) {
        self.split = split
        self.label = label
        self.width = width
        self.height = height
    }

    /// log width, log height, log(width / height): shape on the scale where resizing acts.
    public var features: [Double] {
        let w = log(Double(width)), h = log(Double(height))
        return [w, h, w - h]
    }
}

/// Collects the original sizes of a data set's train and test images.
enum ImageSizeSource {
    /// Sizes of the images under `root` (Kaggle layout): from `manifest` when given (rows of
    /// unknown size, the resized copies, are left out), else from each file's JPEG header.
    static func records(root: URL, manifest: URL?) throws -> (records: [ImageSizeRecord], left: Int, source: String) {
        let scan = try DatasetScanner.scanKaggle(root: root, splits: [.train, .test], labels: .binary)
        let sizes = try manifest.map { try ManifestReader.sizes(from: $0) }
        let decoder = try JPEGDecoder()
        var records = [ImageSizeRecord](), left = 0
        for sample in scan.samples {
            guard let split = sample.split, let label = sample.label else { continue }
            let size: (width: Int, height: Int)?
            if let sizes {
                let key = "\(split.rawValue)/\(sample.classFolder ?? "")/\(sample.file.lastPathComponent)"
                size = sizes[key] ?? nil
            } else {
                size = try decoder.header(ofFile: sample.file).size
            }
            guard let size, size.width > 0, size.height > 0 else {
                left += 1
                continue
            }
            records.append(ImageSizeRecord(split: split, label: label, width: size.width, height: size.height))
        }
        return (records, left, manifest.map { "manifest \($0.lastPathComponent)" } ?? "JPEG headers")
    }
}

private extension JPEGHeader {
    var size: (width: Int, height: Int) { (width, height) }
}
