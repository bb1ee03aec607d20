extension GradCAM {
    /// An ensemble's explanation: its own probabilities and decision, and the mean of its
    /// members' maps for the class it decided on (or the one asked for), each member's map
    /// scaled to [0, 1] first so no member outweighs the others by the size of its gradients.
    func explainEnsemble(_ images: ModelImages, count: Int, target: GradCAMTarget, batchSize: Int) throws -> [Explanation] {
        let probabilities = try model.probabilities(images, count: count, batchSize: batchSize)
        let decided = probabilities.map { ImageScoring.predictedClass($0, threshold: model.threshold) }
        let explained = try explainedClasses(decided: decided, target: target)
        var maps = [Heatmap?](repeating: nil, count: count)
        for label in Set(explained).sorted() {
            let indices = explained.indices.filter { explained[$0] == label }
            let subset = images.subset(indices, model.preprocessing)
            var sums: [[Float]] = Array(repeating: [], count: indices.count)
            var size = (width: 0, height: 0)
            for member in memberExplainers {
                let memberMaps = try member.explain(subset, count: indices.count, target: .classIndex(label), batchSize: batchSize)
                for (position, explanation) in memberMaps.enumerated() {
                    if size.width == 0 { size = (explanation.map.width, explanation.map.height) }
                    let map = try explanation.map.resized(width: size.width, height: size.height).normalized()
                    sums[position] = sums[position].isEmpty ? map.values : zip(sums[position], map.values).map(+)
                }
            }
            for (position, index) in indices.enumerated() {
                let mean = sums[position].map { $0 / Float(memberExplainers.count) }
                maps[index] = try Heatmap(width: size.width, height: size.height, values: mean)
            }
        }
        return try (0..<count).map { index in
            guard let map = maps[index] else { throw ExplainError.invalidHeatmap("image \(index) of the ensemble got no map") }
            return Explanation(probabilities: probabilities[index], predictedClass: decided[index], explainedClass: explained[index], map: map)
        }
    }
}
