import Foundation

/// Where a run reads its images from and where decoded images are cached.
public struct TrainingData: Sendable {
    /// The Kaggle-layout root holding train/, val/ and test/.
    public var root: URL
    /// The decoded-image cache folder; nil uses the default one.
    public var cacheDirectory: URL?
    /// False decodes every image on every run.
    public var useCache: Bool

    public init(root: URL, cacheDirectory: URL? = nil, useCache: Bool = true) {
        self.root = root
        self.cacheDirectory = cacheDirectory
        self.useCache = useCache
    }
}

/// What is printed while training: status lines, one line per epoch, and a progress bar.
public struct TrainingReporter {
    /// Setup and end-of-run messages.
    public var status: (String) -> Void
    /// The summary line of each epoch.
    public var epoch: (String) -> Void
    /// Makes the progress bar of an epoch (total images, label); nil shows none.
    public var progressBar: ((Int, String) -> ProgressBar)?

    public init(status: @escaping (String) -> Void, epoch: @escaping (String) -> Void, progressBar: ((Int, String) -> ProgressBar)? = nil) {
        self.status = status
        self.epoch = epoch
        self.progressBar = progressBar
    }

    /// Prints nothing.
    public static let silent = TrainingReporter(status: { _ in }, epoch: { _ in })
}
