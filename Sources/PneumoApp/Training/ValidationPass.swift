import Engine
import PneumoData

/// The validation figures of one epoch and the probabilities they came from.
public struct ValidationResult: Sendable {
    /// Mean log loss of the probabilities (unweighted).
    public var loss: Double
    /// At probability 0.5 (two classes) or arg-max (three).
    public var accuracy: Double
    /// Sensitivity for two classes; the macro average of per-class recalls for three.
    public var recall: Double
    /// ROC AUC; the mean one-versus-rest AUC for three classes; nil when a class is missing.
    public var auc: Double?
    public var f1: Double
    /// Class probabilities per image, in the validation set's order.
    public var probabilities: [[Double]]

    /// The figure early stopping and the plateau schedule watch.
    public func value(of metric: ValidationMetric) -> Double {
        switch metric {
        case .loss: return loss
        case .accuracy: return accuracy
        case .recall: return recall
        case .auc: return auc ?? .nan
        case .f1: return f1
        }
    }
}

/// The validation images and their evaluation each epoch, scored like any other images.
struct ValidationPass {
    let images: DecodedImageSet
    let labels: [Int]
    let classNames: [String]
    let batchSize: Int

    init(_ set: DecodedImageSet, classNames: [String], batchSize: Int) {
        images = set
        labels = set.labels
        self.classNames = classNames
        self.batchSize = batchSize
    }

    var count: Int { labels.count }

    /// Runs the model in inference mode over every validation image and computes the figures.
    func evaluate(_ model: TrainedModel) throws -> ValidationResult {
        let probabilities = try ImageScoring.probabilities(of: images, model: model, batchSize: batchSize)
        if classNames.count == 2 {
            let metrics = try BinaryMetrics.compute(labels: labels, probabilities: probabilities.map { $0[1] }, threshold: 0.5)
            return ValidationResult(
                loss: metrics.logLoss, accuracy: metrics.accuracy, recall: metrics.recall, auc: metrics.rocAUC,
                f1: metrics.f1, probabilities: probabilities)
        }
        let metrics = try MulticlassMetrics.compute(labels: labels, probabilities: probabilities.flatMap { $0 }, classNames: classNames)
        var aucs: [Double] = []
        for index in classNames.indices {
            let oneVersusRest = labels.map { $0 == index ? 1 : 0 }
            guard let auc = try RankMetrics.rocAUC(labels: oneVersusRest, scores: probabilities.map { $0[index] }) else {
                aucs = []
                break
            }
            aucs.append(auc)
        }
        return ValidationResult(
            loss: metrics.logLoss ?? .nan, accuracy: metrics.accuracy, recall: metrics.macroRecall,
            auc: aucs.isEmpty ? nil : aucs.reduce(0, +) / Double(aucs.count), f1: metrics.macroF1, probabilities: probabilities)
    }

    /// The decision threshold chosen on these images (two classes only).
    func chooseThreshold(_ strategy: ThresholdStrategy, probabilities: [[Double]]) throws -> ThresholdChoice? {
        guard classNames.count == 2 else { return nil }
        return try ThresholdChoice.choose(strategy, labels: labels, probabilities: probabilities.map { $0[1] }, chosenOn: "validation")
    }
}
