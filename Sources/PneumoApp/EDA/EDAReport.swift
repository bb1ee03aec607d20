/// The numbers of the exploratory analysis, as written to eda.json.
public struct EDAReport: Codable, Equatable, Sendable {
    /// Images of one class in one split.
    public struct Count: Codable, Equatable, Sendable {
        public let split: String
        public let className: String
        public let images: Int
        /// Share of the split's images.
        public let percentOfSplit: Double
        /// Distinct patients (from the file names).
        public let patients: Int
    }

    /// One image's original size.
    public struct SizePoint: Codable, Equatable, Sendable {
        public let width: Int
        public let height: Int
    }

    /// Original sizes of one class.
    public struct SizeSummary: Codable, Equatable, Sendable {
        public let className: String
        public let points: [SizePoint]
        /// Images whose original size is not known (the 224 x 224 copies in the manifest).
        public let unknown: Int
        public let medianWidth: Int?
        public let medianHeight: Int?
        public let minWidth: Int?
        public let maxWidth: Int?
        public let minHeight: Int?
        public let maxHeight: Int?
    }

    /// Pixel intensities of one class at the analysis size.
    public struct Histogram: Codable, Equatable, Sendable {
        public let className: String
        public let images: Int
        /// 256 bins, each the share of all pixels of the class with that value.
        public let frequencies: [Double]
        public let mean: Double
        public let standardDeviation: Double
    }

    /// Sample images shown in the HTML report.
    public struct SampleSet: Codable, Equatable, Sendable {
        public let className: String
        public let files: [String]
    }

    public let dataRoot: String
    public let labelScheme: String
    public let classNames: [String]
    public let splits: [String]
    public let counts: [Count]
    /// Total images per split.
    public let splitTotals: [String: Int]
    /// "manifest" or "jpeg headers".
    public let sizeSource: String
    public let sizes: [SizeSummary]
    public let analysisSide: Int
    public let histograms: [Histogram]
    public let samples: [SampleSet]
    /// Scan problems and undecodable images, as messages.
    public let problems: [String]
}
