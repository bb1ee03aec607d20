import Foundation
import XCTest

/// A few real X-rays copied from the shared data set into a Kaggle-layout folder, and two
/// small architectures for runs of a few seconds.
enum SmallChestXRays {
    /// The shared data set beside the repository, or nil when it is not there.
    static var source: URL? {
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let candidates: [String?] = [ProcessInfo.processInfo.environment["PNEUMO_DATA"], repository.appendingPathComponent("../shared/data/chest_xray").path]
        return candidates.compactMap { $0 }.map { URL(fileURLWithPath: $0).standardizedFileURL }
            .first { FileManager.default.fileExists(atPath: $0.appendingPathComponent("train/NORMAL").path) }
    }

    /// Copies the first `perClass[split]` images of each class folder of each split into `root`.
    static func make(at root: URL, perClass: [String: Int] = ["train": 12, "val": 4]) throws {
        guard let source else { throw XCTSkip("the chest X-ray data set is not at ../shared/data/chest_xray or $PNEUMO_DATA") }
        for (split, count) in perClass {
            for label in ["NORMAL", "PNEUMONIA"] {
                let from = source.appendingPathComponent("\(split)/\(label)")
                let to = root.appendingPathComponent("\(split)/\(label)")
                try FileManager.default.createDirectory(at: to, withIntermediateDirectories: true)
                let names = try FileManager.default.contentsOfDirectory(atPath: from.path).filter { $0.hasSuffix(".jpeg") }.sorted()
                for name in names.prefix(count) {
                    try FileManager.default.copyItem(at: from.appendingPathComponent(name), to: to.appendingPathComponent(name))
                }
            }
        }
    }

    /// No batch norm and no dropout: per-rank batch statistics and masks would make two ranks
    /// differ from one process by design, so the comparison uses a network without them.
    static let plainArchitecture = """
        {"name": "plain", "input": {"channels": 1, "size": 32},
         "layers": [
           {"type": "Conv2D", "filters": 4, "kernel": 3, "padding": "same"}, {"type": "ReLU"}, {"type": "MaxPool2D", "size": 2},
           {"type": "Conv2D", "filters": 8, "kernel": 3, "padding": "same"}, {"type": "ReLU"},
           {"type": "GlobalAvgPool"}, {"type": "Dense", "units": "output"}]}
        """

    /// pneumonet's five conv-BN-ReLU blocks and head at 32 pixels, without its dropout (each
    /// rank draws its own masks, so two ranks differ from one process by design): for
    /// synchronised BatchNorm, where batch statistics are the only other per-rank difference.
    static let pneumonetWithoutDropout = """
        {"name": "pneumonet-no-dropout", "input": {"channels": 1, "size": 32},
         "layers": [
           {"type": "Conv2D", "filters": 16, "kernel": 3, "padding": "same"}, {"type": "BatchNorm"}, {"type": "ReLU"}, {"type": "MaxPool2D", "size": 2},
           {"type": "Conv2D", "filters": 32, "kernel": 3, "padding": "same"}, {"type": "BatchNorm"}, {"type": "ReLU"}, {"type": "MaxPool2D", "size": 2},
           {"type": "Conv2D", "filters": 64, "kernel": 3, "padding": "same"}, {"type": "BatchNorm"}, {"type": "ReLU"}, {"type": "MaxPool2D", "size": 2},
           {"type": "Conv2D", "filters": 128, "kernel": 3, "padding": "same"}, {"type": "BatchNorm"}, {"type": "ReLU"}, {"type": "MaxPool2D", "size": 2},
           {"type": "Conv2D", "filters": 256, "kernel": 3, "padding": "same"}, {"type": "BatchNorm"}, {"type": "ReLU"},
           {"type": "GlobalAvgPool"}, {"type": "Dense", "units": "output"}]}
        """

    /// Batch norm and dropout: every kind of per-rank state a resume must restore.
    static let fullArchitecture = """
        {"name": "full", "input": {"channels": 1, "size": 32},
         "layers": [
           {"type": "Conv2D", "filters": 4, "kernel": 3, "padding": "same"}, {"type": "BatchNorm"}, {"type": "ReLU"},
           {"type": "MaxPool2D", "size": 2},
           {"type": "Conv2D", "filters": 8, "kernel": 3, "padding": "same"}, {"type": "BatchNorm"}, {"type": "ReLU"},
           {"type": "GlobalAvgPool"}, {"type": "Dropout", "rate": 0.25}, {"type": "Dense", "units": "output"}]}
        """
}
