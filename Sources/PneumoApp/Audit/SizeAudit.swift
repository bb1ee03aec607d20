import Foundation
import PneumoData

/// What the size audit found: how well the original width, height and aspect ratio alone tell
/// pneumonia from normal on the test split.
public struct SizeAuditResult: Codable, Equatable, Sendable {
    /// Always "size"; tells the two audits' files apart.
    public var kind = "size"
    /// The data folder.
    public var dataRoot: String
    /// Where the sizes came from: a manifest or the JPEG headers.
    public var sizeSource: String
    /// Images of known size per split and class: [normal, pneumonia].
    public var trainImages: [Int]
    public var testImages: [Int]
    /// Images left out because their original size is unknown.
    public var leftOut: Int
    /// The fitted model.
    public var model: LogisticRegression
    /// ROC AUC on train (fitted there; optimistic) and on test (never seen by the fit).
    public var trainAUC: AuditAUC
    public var testAUC: AuditAUC
    /// Remarks a reader should see, e.g. that every file has one size.
    public var notes: [String]
    /// Whether every image had one size, so the files, not the originals, were measured.
    public var filesNormalised: Bool

    /// One sentence on what the figure means.
    public var interpretation: String {
        if filesNormalised {
            return "every image has one size: the files were normalised, so shape cannot be audited from them; "
                + "run pneumo audit size with --manifest giving the original sizes"
        }
        let figure = "image shape alone (original width, height and aspect ratio) gives a test ROC AUC of \(testAUC.text)"
        if let lower = testAUC.interval?.lower, lower > ShortcutVerdict.signalLowerBound {
            return figure + ": the classes differ in shape, so a model could learn the shape of the image instead of the lungs; "
                + "train with the aspect-ratio augmentation (pneumo train --aspect) and check the model with pneumo audit lungs"
        }
        return figure + ": shape alone carries little information about the class here"
    }
}

/// Thresholds shared by the audits' verdicts.
public enum ShortcutVerdict {
    /// An AUC whose interval's lower bound exceeds this is taken as a real signal, not chance.
    public static let signalLowerBound = 0.6
}

/// Fits a logistic regression on the original sizes of the train split and scores the test split.
public enum SizeAudit {
    /// Runs the audit on `root`, with sizes from `manifest` when given, else from the files.
    public static func run(root: URL, manifest: URL?, bootstrap: BootstrapOptions = BootstrapOptions()) throws -> SizeAuditResult {
        let found = try ImageSizeSource.records(root: root, manifest: manifest)
        var result = try run(found.records, bootstrap: bootstrap, dataRoot: root.path, sizeSource: found.source)
        result.leftOut = found.left
        if found.left > 0 { result.notes.append("\(found.left) train or test images of unknown original size were left out") }
        return result
    }

    /// Runs the audit on given records.
    public static func run(
        _ records: [ImageSizeRecord], bootstrap: BootstrapOptions = BootstrapOptions(), dataRoot: String = "", sizeSource: String = "given"
    ) throws -> SizeAuditResult {
        let train = records.filter { $0.split == .train }, test = records.filter { $0.split == .test }
        for (name, part) in [("train", train), ("test", test)] where Set(part.map(\.label)) != [0, 1] {
            throw AuditError.insufficientData(
                "the \(name) split holds no images of known size for both classes (\(part.count) images); "
                    + "check the data folder, or pass --manifest with the original sizes")
        }
        let model = try LogisticRegression.fit(features: train.map(\.features), labels: train.map(\.label))
        func auc(_ part: [ImageSizeRecord]) throws -> AuditAUC {
            try AuditAUC.measure(labels: part.map(\.label), scores: part.map { model.probability($0.features) }, bootstrap: bootstrap)
        }
        var notes = [String]()
        let shapes = Set(records.map { "\($0.width)x\($0.height)" })
        if shapes.count == 1, let only = shapes.first {
            notes.append("every image is \(only): the files were normalised to one size, so this audit cannot see the originals' "
                + "shapes; pass --manifest with the original sizes")
        }
        func counts(_ part: [ImageSizeRecord]) -> [Int] { [0, 1].map { label in part.filter { $0.label == label }.count } }
        return SizeAuditResult(
            dataRoot: dataRoot, sizeSource: sizeSource, trainImages: counts(train), testImages: counts(test), leftOut: 0,
            model: model, trainAUC: try auc(train), testAUC: try auc(test), notes: notes, filesNormalised: shapes.count == 1)
    }
}
