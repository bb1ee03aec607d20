import SeededRandom

/// The order in which an epoch visits an image set.
enum BatchOrder {
    /// Sample positions for `epoch`: sequential, shuffled, or class-balanced.
    static func indices(labels: [Int], options: BatchOptions, epoch: Int) -> [Int] {
        var generator = SeededGenerator(seed: options.seed, stream: UInt64(epoch))
        if options.classBalanced { return balanced(labels: labels, generator: &generator) }
        var order = Array(labels.indices)
        if options.shuffle { generator.shuffle(&order) }
        return order
    }

    /// Classes take turns in a shuffled order each round; within a class, images come from
    /// a reshuffled cycle, so each class is seen equally often and no image twice before
    /// its class has shown every image.
    private static func balanced(labels: [Int], generator: inout SeededGenerator) -> [Int] {
        var pools: [Int: [Int]] = [:]
        for (index, label) in labels.enumerated() { pools[label, default: []].append(index) }
        let classes = pools.keys.sorted()
        guard !classes.isEmpty else { return [] }
        var cursors = [Int: Int]()
        for label in classes {
            generator.shuffle(&pools[label, default: []])
            cursors[label] = 0
        }
        var order: [Int] = []
        order.reserveCapacity(labels.count)
        var round = classes
        while order.count < labels.count {
            generator.shuffle(&round)
            for label in round where order.count < labels.count {
                var pool = pools[label, default: []]
                var cursor = cursors[label, default: 0]
                if cursor == pool.count {
                    generator.shuffle(&pool)
                    pools[label] = pool
                    cursor = 0
                }
                order.append(pool[cursor])
                cursors[label] = cursor + 1
            }
        }
        return order
    }
}
