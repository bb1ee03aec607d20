extension TrainedModel {
    /// The class decided from one image's probabilities: for two classes, the positive one
    /// (index 1) when its probability reaches `threshold`; otherwise the most probable (the
    /// first on ties).
    public func predictedClass(probabilities: [Double]) -> Int {
        if probabilities.count == 2 { return probabilities[1] >= threshold ? 1 : 0 }
        var best = 0
        for index in probabilities.indices where probabilities[index] > probabilities[best] { best = index }
        return best
    }
}
