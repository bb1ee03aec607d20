extension GradCAM {
    /// An ensemble's explanation: its own probabilities and decision, and the mean of its
    /// members' maps for the class it decided on (or the one asked for), each member's map
    /// scaled to [0, 1] first so no member outweighs the others by the size of its gradients.
    func explainEnsemble(_ images: ModelImages, count: Int, target: GradCAMTarget, batchSize: Int) throws -> [Explanation] {
        try explainByDecision(images, count: count, target: target, batchSize: batchSize) { subset, subsetCount, label in
            var sums: [[Float]] = Array(repeating: [], count: subsetCount)
            var size = (width: 0, height: 0)
            for member in memberExplainers {
                let memberMaps = try member.explain(subset, count: subsetCount, target: .classIndex(label), batchSize: batchSize)
                for (position, explanation) in memberMaps.enumerated() {
                    if size.width == 0 { size = (explanation.map.width, explanation.map.height) }
                    let map = try explanation.map.resized(width: size.width, height: size.height).normalized()
                    sums[position] = sums[position].isEmpty ? map.values : zip(sums[position], map.values).map(+)
                }
            }
            return try sums.map { sum in
                try Heatmap(width: size.width, height: size.height, values: sum.map { $0 / Float(memberExplainers.count) })
            }
        }
    }
}
