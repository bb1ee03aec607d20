/// A model's answer for one image with the Grad-CAM map behind it.
public struct Explanation: Equatable, Sendable {
    /// Probability per class, in the model's class order.
    public var probabilities: [Double]
    /// The class the model decides on.
    public var predictedClass: Int
    /// The class whose evidence `map` shows.
    public var explainedClass: Int
    /// ReLU(sum_k w_k A_k) at the explained layer's resolution, not yet scaled.
    public var map: Heatmap

    /// Creates an explanation.
    public init(probabilities: [Double], predictedClass: Int, explainedClass: Int, map: Heatmap) {
        self.probabilities = probabilities
        self.predictedClass = predictedClass
        self.explainedClass = explainedClass
        self.map = map
    }

    /// The map resized (bilinear) to `width` x `height` and scaled to [0, 1].
    public func heatmap(width: Int, height: Int) throws -> Heatmap {
        try map.resized(width: width, height: height).normalized()
    }
}
