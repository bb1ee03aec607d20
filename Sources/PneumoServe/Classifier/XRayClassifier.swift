import PneumoApp
import PneumoData

/// A model that classifies chest X-ray JPEGs, served by `PneumoServer`.
///
/// Contract, relied on by the server:
/// - `classify` returns exactly one outcome per input, in the same order.
/// - The server never calls `classify` concurrently: one batch at a time, up to
///   `ServerConfiguration.maxBatchSize` images. Long CPU-bound work should leave the
///   Swift cooperative thread pool (a dedicated thread or queue), so that HTTP keeps flowing.
/// - An input the model cannot use (not a JPEG, truncated, too large, unsupported kind of
///   JPEG) is answered with `.failure(ImageInputError)` for that image only; the others in
///   the batch still get their results.
/// - A thrown error means the whole batch failed (device lost, out of memory): every request
///   in it receives a 500 and the server keeps serving.
/// - Before an image reaches `classify` the server has read its header with PneumoData's
///   JPEG decoder and checked that it has an end-of-image marker and at most `maxPixels`
///   pixels (see `UploadCheck`); the decoder may still refuse its image data.
/// - Every probability must be finite: a NaN or infinite output is a server fault (HTTP 500),
///   and a model that gives one on the server's probe image at start is not ready (503).
public protocol XRayClassifier: Sendable {
    /// What the model is; served by `GET /api/v1/model` and quoted in every prediction.
    var metadata: ModelMetadata { get }

    /// Classifies a batch of images; one outcome per input, in input order.
    func classify(_ images: [ImageInput]) async throws -> [ClassificationOutcome]
}

/// One uploaded image, as it arrived: the bytes are never written to disk.
public struct ImageInput: Sendable, Equatable {
    /// The complete JPEG file.
    public var jpeg: [UInt8]
    /// Whether the caller asked for a Grad-CAM heatmap.
    public var wantsHeatmap: Bool
    /// Width, height and colour model, read from the JPEG header by the server.
    public var header: JPEGHeader
    /// What to do when the image fails the quality gate: refuse it (422) or classify it, flagged.
    public var lowQuality: LowQualityPolicy

    /// Creates an input from JPEG bytes and their parsed header.
    public init(jpeg: [UInt8], wantsHeatmap: Bool, header: JPEGHeader, lowQuality: LowQualityPolicy = .refuse) {
        self.jpeg = jpeg
        self.wantsHeatmap = wantsHeatmap
        self.header = header
        self.lowQuality = lowQuality
    }
}

/// The answer for one image.
public typealias ClassificationOutcome = Result<Classification, ImageInputError>

/// What the model says about one image.
public struct Classification: Sendable, Equatable {
    /// The predicted class; one of `ModelMetadata.classes`.
    public var predictedClass: String
    /// Probability per class name; the names are those of `ModelMetadata.classes`.
    public var probabilities: [String: Double]
    /// The decision threshold applied to the probability of `ModelMetadata.positiveClass`.
    public var threshold: Double
    /// A PNG meant to be drawn over the X-ray, stretched to the image's size: colour for where
    /// the model looked, transparent elsewhere (RGBA). Present only when it was asked for.
    public var heatmapPNG: [UInt8]?
    /// The quality rules the image failed, when it was classified flagged; nil when it passed.
    public var qualityFindings: [QualityFinding]?

    /// Creates a classification.
    public init(
        predictedClass: String, probabilities: [String: Double], threshold: Double, heatmapPNG: [UInt8]? = nil,
        qualityFindings: [QualityFinding]? = nil
    ) {
        self.predictedClass = predictedClass
        self.probabilities = probabilities
        self.threshold = threshold
        self.heatmapPNG = heatmapPNG
        self.qualityFindings = qualityFindings
    }
}

/// Why one image could not be classified; becomes a 4xx JSON answer.
public enum ImageInputError: Error, Sendable, Equatable {
    /// The upload had no bytes.
    case empty
    /// The bytes are not a JPEG, or its data is damaged; `detail` says what was found.
    case notJPEG(detail: String)
    /// The JPEG ends before its image data does.
    case truncated(detail: String)
    /// The decoded image would exceed the pixel limit.
    case tooManyPixels(width: Int, height: Int, limit: Int)
    /// An image of a kind this server does not take (PNG, DICOM, lossless or 12-bit JPEG...).
    case unsupportedFormat(String)
    /// A DICOM file that cannot be read: no pixel data, an unsupported syntax, cut off...
    case dicom(DICOMDecodeError)
    /// A JPEG that decodes but fails the quality gate: not a usable chest X-ray.
    case lowQuality([QualityFinding])
}
