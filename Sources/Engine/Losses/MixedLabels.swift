/// Targets of mixed images: each is `firstShare` of class `first` and the rest of class
/// `second` (the two may be equal). Losses train on the mixed target distribution, weighted by
/// the same mix of the two classes' weights.
public struct MixedLabels: Equatable, Sendable {
    public let first: [Int]
    public let second: [Int]
    /// The first label's share of each target, in [0, 1].
    public let firstShare: [Float]

    /// Throws unless the three lists have one entry per image and every share is in [0, 1].
    public init(first: [Int], second: [Int], firstShare: [Float]) throws {
        guard first.count == second.count, first.count == firstShare.count else {
            throw EngineError.shapeMismatch(
                "mixed labels need one first label, second label and share per image, got \(first.count), \(second.count) and \(firstShare.count)")
        }
        if let bad = firstShare.firstIndex(where: { !($0 >= 0 && $0 <= 1) }) {
            throw EngineError.invalidConfiguration("mixed label \(bad) has share \(firstShare[bad]); shares must be in [0, 1]")
        }
        self.first = first
        self.second = second
        self.firstShare = firstShare
    }

    public var count: Int { first.count }

    /// The label holding the larger share of each target (the first on a tie), as training
    /// accuracy counts it.
    public var dominant: [Int] { first.indices.map { firstShare[$0] >= 0.5 ? first[$0] : second[$0] } }

    /// Throws unless every label is a class in 0..<classes.
    func check(classes: Int, loss: String) throws {
        if let bad = (first + second).first(where: { !(0..<classes).contains($0) }) {
            throw EngineError.invalidConfiguration("\(loss) over \(classes) classes got the label \(bad) in mixed targets")
        }
    }
}
