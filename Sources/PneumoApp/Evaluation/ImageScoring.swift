import Foundation
import PneumoData

/// Runs a model over decoded images, one device batch at a time, so the float copy of a whole
/// split (hundreds of MB at 224 px and 3 channels) never has to exist at once.
public enum ImageScoring {
    /// Calibrated class probabilities per image, in image order; `progress` receives the images done so far.
    public static func probabilities(
        of images: DecodedImageSet, model: TrainedModel, batchSize: Int, progress: ((Int) -> Void)? = nil
    ) throws -> [[Double]] {
        let logits = try logits(of: images, model: model, batchSize: batchSize, progress: progress)
        return TrainedModel.probabilities(
            fromLogits: logits, count: images.count, classes: model.classNames.count, temperature: model.temperature)
    }

    /// The network's raw outputs per image, one row each, in image order (for calibration, which
    /// needs them before any temperature).
    public static func logits(
        of images: DecodedImageSet, model: TrainedModel, batchSize: Int, progress: ((Int) -> Void)? = nil
    ) throws -> [Float] {
        let side = model.preprocessing.side
        guard images.side == side else {
            throw EvaluationError.invalidOption(
                "images were decoded at \(images.side) px but the model takes \(side) px; decode at the model's input size")
        }
        let batch = max(1, batchSize)
        let plane = side * side
        var result = [Float]()
        progress?(0)  // Starts a progress bar's clock before the first batch, so its rate is true.
        for start in stride(from: 0, to: images.count, by: batch) {
            let count = min(batch, images.count - start)
            let pixels = Array(images.pixels[(start * plane)..<((start + count) * plane)])
            do {
                result += try model.logits(.pixels(pixels), count: count, batchSize: batch)
            } catch let error as NonFiniteOutputError {
                throw error.shifted(by: start)
            }
            progress?(start + count)
        }
        return result
    }

    /// The label scheme matching a model's classes: two classes are normal/pneumonia, three are
    /// normal/bacterial/viral.
    public static func labelScheme(for model: TrainedModel) throws -> LabelScheme {
        switch model.classNames.count {
        case 2: return .binary
        case 3: return .threeClass
        default:
            throw EvaluationError.unsupportedModel(
                "the model has \(model.classNames.count) classes (\(model.classNames.joined(separator: ", "))); "
                    + "chest X-ray labels exist for 2 (normal/pneumonia) or 3 (normal/bacterial/viral)")
        }
    }

    /// The predicted class: for two classes, positive when p(class 1) reaches `threshold`;
    /// otherwise the most probable class (the lowest index among ties).
    public static func predictedClass(_ probabilities: [Double], threshold: Double) -> Int {
        if probabilities.count == 2 { return probabilities[1] >= threshold ? 1 : 0 }
        var best = 0
        for index in probabilities.indices where probabilities[index] > probabilities[best] { best = index }
        return best
    }
}
