import Foundation

/// The images a scan found, in a fixed order (split, class folder, file name), and the
/// problems it skipped.
public struct DatasetScan: Sendable {
    public var samples: [ImageSample]
    public var issues: [DatasetIssue]
    public let labelScheme: LabelScheme

    public init(samples: [ImageSample], issues: [DatasetIssue], labelScheme: LabelScheme) {
        self.samples = samples
        self.issues = issues
        self.labelScheme = labelScheme
    }

    /// The samples of one split.
    public func samples(in split: DatasetSplit) -> [ImageSample] { samples.filter { $0.split == split } }

    /// Image counts per split and label (unlabelled images under label -1).
    public func counts() -> [DatasetSplit?: [Int: Int]] {
        var result: [DatasetSplit?: [Int: Int]] = [:]
        for sample in samples { result[sample.split, default: [:]][sample.label ?? -1, default: 0] += 1 }
        return result
    }
}
