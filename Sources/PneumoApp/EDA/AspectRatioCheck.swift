/// Whether the classes' original shapes differ enough for a model to learn the shape: every
/// image is resized to a square, so a class whose originals are wider ends up squashed more,
/// and that squash is a label cue that says nothing about the lungs.
extension EDAReport.SizeSummary {
    /// Median width / height of the originals of known size; nil when none is known.
    public var medianAspectRatio: Double? {
        let ratios = points.filter { $0.height > 0 }.map { Double($0.width) / Double($0.height) }.sorted()
        return ratios.isEmpty ? nil : ratios[ratios.count / 2]
    }
}

extension EDAReport {
    /// Classes whose median aspect ratios differ by more than this factor get a warning.
    public static let aspectRatioWarningFactor = 1.1

    /// A warning naming each class's median aspect ratio when they differ by more than
    /// `aspectRatioWarningFactor`; nil when they are close or fewer than two are known.
    public var aspectRatioWarning: String? {
        let known = sizes.compactMap { size in size.medianAspectRatio.map { (size.className, $0) } }
        guard known.count >= 2, let low = known.map(\.1).min(), let high = known.map(\.1).max(),
              high / low > Self.aspectRatioWarningFactor else { return nil }
        let list = known.map { "\($0.0) \(NumberFormat.fixed($0.1, 2))" }.joined(separator: ", ")
        return "the originals' median width/height differs by class (\(list)): resizing to a square squashes one class more "
            + "than another, a cue a model can learn instead of the lungs; keep the aspect-ratio augmentation on (pneumo train --aspect)"
    }
}
