/// The calibration stored in a checkpoint: the temperature every probability is computed with,
/// where it was fitted, and what it did there.
public struct CalibrationRecord: Codable, Equatable, Sendable {
    /// Always "temperature" for now.
    public var method: String
    /// Logits are divided by this before the sigmoid or softmax.
    public var temperature: Double
    /// The data it was fitted on, in words (never the test split).
    public var fittedOn: String
    /// Images it was fitted on.
    public var images: Int
    /// Calibration on those images before (temperature 1) and after.
    public var before: CalibrationMetrics
    public var after: CalibrationMetrics
    /// The copies whose logits were averaged when the temperature was fitted; the model scores
    /// every image that way from then on. Nil: one pass per image.
    public var testTimeAugmentation: TestTimeAugmentation?

    /// Creates a record of temperature scaling.
    public init(
        temperature: Double, fittedOn: String, images: Int, before: CalibrationMetrics, after: CalibrationMetrics,
        testTimeAugmentation: TestTimeAugmentation? = nil
    ) {
        method = "temperature"
        self.temperature = temperature
        self.fittedOn = fittedOn
        self.images = images
        self.before = before
        self.after = after
        self.testTimeAugmentation = testTimeAugmentation
    }

    /// Problems that make the record unusable.
    func problems() -> [String] {
        var problems = [String]()
        if method != "temperature" { problems.append("calibration method '\(method)' is not known; this build applies 'temperature'") }
        if !(temperature.isFinite && TemperatureScaling.range.contains(temperature)) {
            problems.append("calibration temperature \(temperature) is outside \(TemperatureScaling.range.lowerBound)...\(TemperatureScaling.range.upperBound)")
        }
        problems += testTimeAugmentation?.problems() ?? []
        return problems
    }
}
