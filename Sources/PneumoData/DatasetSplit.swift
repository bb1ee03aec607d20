/// The folders of the Kaggle layout.
public enum DatasetSplit: String, CaseIterable, Codable, Sendable {
    case train, val, test
}
