import Engine
import Foundation
import OpenCLKit
import PneumoData

/// Identifies the images a model was trained and validated on: a SHA-256 over each image's
/// role, label, path relative to the data root and size, so the same data set moved
/// elsewhere keeps its fingerprint and any added, removed or relabelled file changes it.
public enum DataFingerprint {
    public static func compute(root: URL, train: [ImageSample], validation: [ImageSample]) -> String {
        var hasher = SHA256()
        let rootPath = root.standardizedFileURL.path
        for (role, samples) in [("train", train), ("validation", validation)] {
            for sample in samples {
                let path = sample.file.standardizedFileURL.path
                let relative = path.hasPrefix(rootPath + "/") ? String(path.dropFirst(rootPath.count + 1)) : path
                let size = ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue ?? -1
                hasher.update("\(role)\t\(sample.label ?? -1)\t\(relative)\t\(size)\n")
            }
        }
        return "sha256:" + hasher.finalize().map { byte in
            let digits = String(byte, radix: 16)
            return digits.count == 1 ? "0" + digits : digits
        }.joined()
    }
}
