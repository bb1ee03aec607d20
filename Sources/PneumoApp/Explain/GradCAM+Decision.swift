extension GradCAM {
    /// A model that scores each image over test-time copies: the probabilities and decision of
    /// that scoring (what predict and serve report), with the map of the image as it is for the
    /// class decided (or the one asked for).
    func explainAugmented(_ images: ModelImages, count: Int, target: GradCAMTarget, batchSize: Int) throws -> [Explanation] {
        try explainByDecision(images, count: count, target: target, batchSize: batchSize) { subset, subsetCount, label in
            try explainSinglePass(subset, count: subsetCount, target: .classIndex(label), batchSize: batchSize).map(\.map)
        }
    }

    /// Explanations whose probabilities and decision are `model.probabilities` (an ensemble's
    /// mean, or the mean over test-time copies) rather than one pass's, and whose maps come from
    /// `maps`, called once per explained class with that class's images in their order.
    func explainByDecision(
        _ images: ModelImages, count: Int, target: GradCAMTarget, batchSize: Int,
        maps: (_ subset: ModelImages, _ count: Int, _ label: Int) throws -> [Heatmap]
    ) throws -> [Explanation] {
        let probabilities = try model.probabilities(images, count: count, batchSize: batchSize)
        let decided = probabilities.map { ImageScoring.predictedClass($0, threshold: model.threshold) }
        let explained = try explainedClasses(decided: decided, target: target)
        var found = [Heatmap?](repeating: nil, count: count)
        for label in Set(explained).sorted() {
            let indices = explained.indices.filter { explained[$0] == label }
            let labelMaps = try maps(images.subset(indices, model.preprocessing), indices.count, label)
            for (position, index) in indices.enumerated() where position < labelMaps.count { found[index] = labelMaps[position] }
        }
        return try (0..<count).map { index in
            guard let map = found[index] else { throw ExplainError.invalidHeatmap("image \(index) got no map") }
            return Explanation(probabilities: probabilities[index], predictedClass: decided[index], explainedClass: explained[index], map: map)
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
