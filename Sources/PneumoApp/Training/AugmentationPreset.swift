import Engine

extension AugmentationSettings {
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
        return parts.joined(separator: ", ")
    }
}
