import Foundation
import PneumoData

/// Decoded, resized images of one split of a Kaggle-layout data set, ready for batching.
public struct PreparedSplit: Sendable {
    public let split: DatasetSplit
    public let images: DecodedImageSet
    public let report: LoadReport
}

/// Scans a data root and decodes the splits a command needs at the model's input size,
/// through the decoded-image cache.
public struct DatasetPreparation {
    public let root: URL
    public let labels: LabelScheme
    public let side: Int
    public let cache: DecodedImageCache?
    public let strict: Bool
    public let scan: DatasetScan

    /// Scans `root` once; `cacheDirectory` nil uses the default cache, `useCache` false decodes every time.
    public init(
        root: URL, labels: LabelScheme, side: Int, cacheDirectory: URL? = nil, useCache: Bool = true, strict: Bool = false,
        splits: [DatasetSplit]? = nil
    ) throws {
        self.root = root
        self.labels = labels
        self.side = side
        self.strict = strict
        cache = useCache ? DecodedImageCache(directory: cacheDirectory ?? DecodedImageCache.defaultDirectory()) : nil
        try cache?.checkUsable()
        scan = try DatasetScanner.scanKaggle(root: root, splits: splits, labels: labels, strict: strict)
    }

    /// Decodes one split; throws when it holds no usable image.
    public func load(_ split: DatasetSplit) throws -> PreparedSplit {
        let samples = scan.samples(in: split)
        guard !samples.isEmpty else {
            throw DataError.noImages("the \(split.rawValue) split of \(root.path)")
        }
        let (images, report) = try ImageSetLoader.load(
            samples, name: split.rawValue, preprocessing: ImagePreprocessing(side: side), cache: cache, strict: strict)
        return PreparedSplit(split: split, images: images, report: report)
    }

    /// Training and validation sets: a patient-grouped, class-stratified share of train
    /// (`validationFraction` > 0), or the official val folder (`validationFraction` == 0).
    public func trainingAndValidation(validationFraction: Double, seed: UInt64) throws -> (train: DecodedImageSet, validation: DecodedImageSet, reports: [LoadReport]) {
        let train = try load(.train)
        if validationFraction > 0 {
            let parts = try train.images.splittingValidation(fraction: validationFraction, seed: seed)
            return (parts.train, parts.validation, [train.report])
        }
        let validation = try load(.val)
        return (train.images, validation.images, [train.report, validation.report])
    }
}
