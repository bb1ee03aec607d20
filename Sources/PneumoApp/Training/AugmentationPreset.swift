import Engine

extension AugmentationSettings {
    /// Mild changes that keep a chest X-ray plausible: 10 degrees, 10% shift and zoom, 10%
    /// brightness and contrast, and a 20% aspect-ratio change. Every image was squashed to a
    /// square from its original shape, and in the training split the pneumonia originals are
    /// wider (median 1.49 vs 1.22), hence the aspect change; no flip, as the heart is on the left.
    /// Gamma and random erasing stay off: they are levers to measure, not defaults yet.
    public static let standard = AugmentationSettings(rotationDegrees: 10, shift: 0.1, zoom: 0.1, brightness: 0.1, contrast: 0.1, aspect: 0.2)

    /// Reads `--augment`: `none`, `standard`, or a number that scales the standard strengths
    /// (`0.5` halves them, `1.5` makes them half as strong again).
    public static func preset(parsing text: String) throws -> AugmentationSettings {
        switch text.lowercased() {
        case "none", "off": return .none
        case "standard", "on": return .standard
        default:
            guard let factor = Float(text), factor.isFinite, factor >= 0 else {
                throw TrainingError.invalidOption("--augment '\(text)' not understood: use none, standard, or a strength factor such as 0.5")
            }
            return AugmentationSettings.standard.scaled(by: factor)
        }
    }

    /// One line for logs: the active strengths, or "none".
    public var summary: String {
        if isIdentity { return "none" }
        var parts: [String] = []
        if rotationDegrees > 0 { parts.append("rotation ±\(rotationDegrees)°") }
        if shift > 0 { parts.append("shift ±\(shift)") }
        if zoom > 0 { parts.append("zoom ±\(zoom)") }
        if brightness > 0 { parts.append("brightness ±\(brightness)") }
        if contrast > 0 { parts.append("contrast ±\(contrast)") }
        if aspect > 0 { parts.append("aspect ratio ×/÷\(1 + aspect)") }
        if horizontalFlip { parts.append("horizontal flip") }
        if gamma > 0 { parts.append("gamma ×/÷\(1 + gamma)") }
        if eraseProbability > 0 { parts.append("erasing p \(eraseProbability) (up to \(eraseArea) of the image)") }
        if localContrast > 0 { parts.append("local contrast ±\(localContrast)") }
        return parts.joined(separator: ", ")
    }
}
