import Foundation

/// Decides whether an input can be a usable chest X-ray before any model answers on it. A
/// network gives a probability for anything shaped like its input, flat grey and 1-pixel images
/// included; these rules keep such inputs from getting a confident verdict.
///
/// Each limit sits well outside what the 5,856 images of the Kermany et al. set and its 2,297
/// recorded originals show: shorter side at least 140 px, width/height 0.84-3.27, at least 0.26
/// compressed bits per pixel (JPEG only: a DICOM's size is not a compressed size), and at the model's 128 px: contrast (standard deviation) at least
/// 19.7, histogram entropy at least 5.9 bits, at most 22% flat 8x8 blocks.
public struct ImageQualityGate: Equatable, Sendable {
    /// One rule the gate applies.
    public enum Rule: String, CaseIterable, Sendable, Codable {
        case decoderWarning = "decoder_warning"
        case minimumSide = "minimum_side"
        case aspectRatio = "aspect_ratio"
        case bitsPerPixel = "bits_per_pixel"
        case contrast
        case entropy
        case flatShare = "flat_share"
        /// Not an image statistic: the model's own check that its features for the image lie
        /// near its training images' (applied after these, by the model).
        case familiarity
    }

    /// Shorter side of the original, in pixels.
    public var minimumSide = 128
    /// Width / height of the original, both ways.
    public var aspectRange: ClosedRange<Double> = 0.25...4.0
    /// Compressed bits per original pixel.
    public var minimumBitsPerPixel = 0.1
    /// Standard deviation of the decoded pixel values.
    public var minimumContrast = 10.0
    /// Histogram entropy of the decoded image, in bits.
    public var minimumEntropy = 4.0
    /// Share of flat 8x8 blocks in the decoded image.
    public var maximumFlatShare = 0.5

    /// The rules every command and the server use.
    public static let standard = ImageQualityGate()

    /// Creates the standard gate.
    public init() {}

    /// Every rule `measures` fail, in the order of `Rule.allCases`; empty when the image passes.
    public func check(_ measures: ImageQualityMeasures) -> [QualityFinding] {
        var findings = [QualityFinding]()
        if let warning = measures.decoderWarning {
            findings.append(QualityFinding(
                rule: .decoderWarning, value: warning, limit: "no warning",
                message: "the decoder reported damaged data (\(warning)); part of the image may be filler"))
        }
        let shorter = min(measures.width, measures.height)
        if shorter < minimumSide {
            findings.append(QualityFinding(
                rule: .minimumSide, value: "\(measures.width)x\(measures.height)", limit: "shorter side >= \(minimumSide) px",
                message: "the image is \(measures.width)x\(measures.height) px; a chest X-ray needs at least \(minimumSide) px on its shorter side"))
        }
        if !aspectRange.contains(measures.aspectRatio) {
            findings.append(QualityFinding(
                rule: .aspectRatio, value: Self.format(measures.aspectRatio),
                limit: "\(Self.format(aspectRange.lowerBound))-\(Self.format(aspectRange.upperBound))",
                message: "width/height is \(Self.format(measures.aspectRatio)); chest X-rays lie between \(Self.format(aspectRange.lowerBound)) and \(Self.format(aspectRange.upperBound))"))
        }
        if !measures.isDICOM, measures.bitsPerPixel < minimumBitsPerPixel {
            findings.append(QualityFinding(
                rule: .bitsPerPixel, value: Self.format(measures.bitsPerPixel), limit: ">= \(Self.format(minimumBitsPerPixel))",
                message: "the file holds \(measures.fileBytes) bytes for \(measures.width)x\(measures.height) px (\(Self.format(measures.bitsPerPixel)) bits per pixel); it is mostly filler, not a picture"))
        }
        if measures.contrast < minimumContrast {
            findings.append(QualityFinding(
                rule: .contrast, value: Self.format(measures.contrast), limit: ">= \(Self.format(minimumContrast))",
                message: "the image is nearly uniform (pixel standard deviation \(Self.format(measures.contrast)) of 255)"))
        }
        if measures.entropy < minimumEntropy {
            findings.append(QualityFinding(
                rule: .entropy, value: Self.format(measures.entropy), limit: ">= \(Self.format(minimumEntropy)) bits",
                message: "the image uses too few grey levels (entropy \(Self.format(measures.entropy)) bits) to be a radiograph"))
        }
        if measures.flatShare > maximumFlatShare {
            findings.append(QualityFinding(
                rule: .flatShare, value: Self.format(measures.flatShare), limit: "<= \(Self.format(maximumFlatShare))",
                message: "\(Int((measures.flatShare * 100).rounded()))% of the image is flat, without any structure"))
        }
        return findings
    }

    private static func format(_ value: Double) -> String { String(format: "%.3g", value) }
}

/// One failed rule: which, the value measured, the limit, and the problem in words.
public struct QualityFinding: Equatable, Sendable, Codable, CustomStringConvertible {
    /// The rule that failed.
    public var rule: ImageQualityGate.Rule
    /// The measured value, as shown to the user.
    public var value: String
    /// The limit it missed, as shown to the user.
    public var limit: String
    /// What is wrong with the image, in words.
    public var message: String

    /// Creates a finding.
    public init(rule: ImageQualityGate.Rule, value: String, limit: String, message: String) {
        self.rule = rule
        self.value = value
        self.limit = limit
        self.message = message
    }

    public var description: String { "\(message) [rule \(rule.rawValue): \(value), needs \(limit)]" }
}
