extension GradCAM {
    /// A model that scores each image over test-time copies: the probabilities and decision of
    /// that scoring (what predict and serve report), with the map of the image as it is for the
    /// class decided (or the one asked for).
    func explainAugmented(_ images: ModelImages, count: Int, target: GradCAMTarget, batchSize: Int) throws -> [Explanation] {
        let probabilities = try model.probabilities(images, count: count, batchSize: batchSize)
        let decided = probabilities.map { ImageScoring.predictedClass($0, threshold: model.threshold) }
        let explained = try explainedClasses(decided: decided, target: target)
        var explanations = [Explanation?](repeating: nil, count: count)
        for label in Set(explained).sorted() {
            let indices = explained.indices.filter { explained[$0] == label }
            let maps = try explainSinglePass(
                images.subset(indices, model.preprocessing), count: indices.count, target: .classIndex(label), batchSize: batchSize)
            for (position, index) in indices.enumerated() {
                explanations[index] = Explanation(
                    probabilities: probabilities[index], predictedClass: decided[index], explainedClass: label, map: maps[position].map)
            }
        }
        return try explanations.enumerated().map { index, explanation in
            guard let explanation else { throw ExplainError.invalidHeatmap("image \(index) got no map") }
            return explanation
        }
    }

    /// The class each image's map explains: the one decided, or the one asked for.
    func explainedClasses(decided: [Int], target: GradCAMTarget) throws -> [Int] {
        switch target {
        case .predicted: return decided
        case .classIndex(let index):
            let classes = model.classNames.count
            guard (0..<classes).contains(index) else { throw ExplainError.invalidClass(index: index, classes: classes) }
            return Array(repeating: index, count: decided.count)
        }
    }
}
