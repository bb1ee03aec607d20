/// How file locations become class labels.
public enum LabelScheme: String, CaseIterable, Codable, Sendable {
    /// 0 = normal, 1 = pneumonia (the folder name).
    case binary
    /// 0 = normal, 1 = bacterial, 2 = viral pneumonia (the folder name, then `bacteria` or
    /// `virus` in the file name).
    case threeClass = "three-class"

    /// Class names, indexed by label.
    public var classNames: [String] {
        switch self {
        case .binary: return ["normal", "pneumonia"]
        case .threeClass: return ["normal", "bacterial", "viral"]
        }
    }

    /// The label for a file in the class folder `folder` (`NORMAL` or `PNEUMONIA`, any case),
    /// or nil when the folder or, for three classes, the file name does not say.
    public func label(folder: String, fileName: String) -> Int? {
        switch folder.uppercased() {
        case "NORMAL": return 0
        case "PNEUMONIA":
            if self == .binary { return 1 }
            let name = fileName.lowercased()
            if name.contains("bacteria") { return 1 }
            if name.contains("virus") { return 2 }
            return nil
        default: return nil
        }
    }
}
