import Foundation
import PneumoData

/// What `pneumo eda` analyses and where it writes.
public struct EDAOptions: Sendable {
    /// The folder holding train/, val/ and test/.
    public var dataRoot: URL
    /// Where report.html and eda.json go (created if missing).
    public var outputDirectory: URL
    /// A MANIFEST.csv with original sizes; nil looks beside and inside the data folder.
    public var manifest: URL?
    public var labels: LabelScheme
    /// Images are decoded at this side for the intensity histograms (the data set's 224 keeps every pixel).
    public var analysisSide: Int
    public var samplesPerClass: Int
    /// Side of the sample thumbnails in the HTML report.
    public var thumbnailSide: Int
    /// Chooses the sample images.
    public var seed: UInt64
    /// Where decoded images are cached; nil decodes every time.
    public var cache: DecodedImageCache?
    public var strict: Bool

    public init(dataRoot: URL, outputDirectory: URL, manifest: URL? = nil, labels: LabelScheme = .binary,
                analysisSide: Int = 224, samplesPerClass: Int = 8, thumbnailSide: Int = 160, seed: UInt64 = 0,
                cache: DecodedImageCache? = DecodedImageCache(directory: DecodedImageCache.defaultDirectory()),
                strict: Bool = false) {
        self.dataRoot = dataRoot
        self.outputDirectory = outputDirectory
        self.manifest = manifest
        self.labels = labels
        self.analysisSide = analysisSide
        self.samplesPerClass = samplesPerClass
        self.thumbnailSide = thumbnailSide
        self.seed = seed
        self.cache = cache
        self.strict = strict
    }
}
