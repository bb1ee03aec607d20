import Foundation

/// One image file with what its location says about it.
public struct ImageSample: Equatable, Hashable, Sendable {
    public let file: URL
    /// The Kaggle split folder it came from, nil for plain folders and file lists.
    public let split: DatasetSplit?
    /// The class folder name as found (`NORMAL`, `PNEUMONIA`), nil when there is none.
    public let classFolder: String?
    /// The class label under the scan's label scheme, nil when unknown (prediction input).
    public let label: Int?
    /// The patient the image belongs to, from the file name.
    public let patientID: String

    public init(file: URL, split: DatasetSplit?, classFolder: String?, label: Int?, patientID: String) {
        self.file = file
        self.split = split
        self.classFolder = classFolder
        self.label = label
        self.patientID = patientID
    }
}
