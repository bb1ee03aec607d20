/// Finds the patient in a Kermany-set file name, so that splits can keep a patient's images together.
public enum PatientID {
    /// `person123_bacteria_456.jpeg` -> `person123`; `IM-0117-0001.jpeg` -> `IM-0117`;
    /// `NORMAL2-IM-1427-0001.jpeg` -> `NORMAL2-IM-1427`. Any other name is its own patient
    /// (the name without extension), which can only make splits stricter.
    public static func from(fileName: String) -> String {
        let stem = fileName.split(separator: ".", omittingEmptySubsequences: false).dropLast().joined(separator: ".")
        let name = stem.isEmpty ? fileName : stem
        let lower = name.lowercased()
        if lower.hasPrefix("person") {
            let digits = name.dropFirst("person".count).prefix { $0.isASCII && $0.isNumber }
            if !digits.isEmpty { return "person" + digits }
        }
        for prefix in ["NORMAL2-IM-", "IM-"] where lower.hasPrefix(prefix.lowercased()) {
            let digits = name.dropFirst(prefix.count).prefix { $0.isASCII && $0.isNumber }
            if !digits.isEmpty { return prefix + digits }
        }
        return name
    }
}
