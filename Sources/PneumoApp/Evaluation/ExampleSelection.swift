/// Picks the predictions a report shows as pictures: the most confident mistakes, and correct
/// predictions spread evenly over the data, each set shared out over the true classes in turn.
public enum ExampleSelection {
    /// Indices of up to `count` wrong and up to `count` correct predictions.
    public static func choose(_ predictions: [ImagePrediction], count: Int, classCount: Int) -> (wrong: [Int], correct: [Int]) {
        guard count > 0 else { return ([], []) }
        var wrongByClass = [[Int]](repeating: [], count: classCount)
        var correctByClass = [[Int]](repeating: [], count: classCount)
        for (index, prediction) in predictions.enumerated() where (0..<classCount).contains(prediction.label) {
            if prediction.isCorrect { correctByClass[prediction.label].append(index) } else { wrongByClass[prediction.label].append(index) }
        }
        // Confident mistakes teach most; equal confidence keeps data order, so the pick is stable.
        wrongByClass = wrongByClass.map { indices in
            indices.sorted { predictions[$0].confidence > predictions[$1].confidence || (predictions[$0].confidence == predictions[$1].confidence && $0 < $1) }
        }
        let correctShares = shares(of: count, over: correctByClass.map(\.count))
        correctByClass = correctByClass.enumerated().map { spread($1, taking: correctShares[$0]) }
        return (roundRobin(wrongByClass, count: count), roundRobin(correctByClass, count: count))
    }

    /// Takes one from each class in turn until `count` are taken or all are used.
    private static func roundRobin(_ groups: [[Int]], count: Int) -> [Int] {
        var chosen = [Int]()
        var position = 0
        while chosen.count < count, groups.contains(where: { $0.count > position }) {
            for group in groups where group.count > position && chosen.count < count { chosen.append(group[position]) }
            position += 1
        }
        return chosen
    }

    /// How many each group gets when `count` are shared out in turn.
    private static func shares(of count: Int, over sizes: [Int]) -> [Int] {
        var taken = [Int](repeating: 0, count: sizes.count)
        var left = count
        while left > 0, sizes.indices.contains(where: { taken[$0] < sizes[$0] }) {
            for index in sizes.indices where taken[index] < sizes[index] && left > 0 {
                taken[index] += 1
                left -= 1
            }
        }
        return taken
    }

    /// `taking` indices evenly spaced through `indices`.
    private static func spread(_ indices: [Int], taking: Int) -> [Int] {
        guard taking > 0, !indices.isEmpty else { return [] }
        if taking >= indices.count { return indices }
        return (0..<taking).map { indices[$0 * indices.count / taking] }
    }
}
