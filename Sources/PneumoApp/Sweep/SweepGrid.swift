/// The configurations of a sweep: every optimizer x batch size x learning rate, in that nesting order.
public struct SweepGrid: Equatable, Sendable {
    /// Optimizer names `pneumo train` knows.
    public static let knownOptimizers = ["sgd", "momentum", "nesterov", "adam", "adamw", "rmsprop"]

    /// The configurations, optimizers outermost, learning rates innermost.
    public let configurations: [SweepConfiguration]

    /// Builds the grid; every list must be non-empty, without repeats, and hold valid values.
    public init(optimizers: [String], batchSizes: [Int], learningRates: [Double]) throws {
        let names = optimizers.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        try Self.requireDistinct(names, what: "optimizers")
        try Self.requireDistinct(batchSizes, what: "batch sizes")
        try Self.requireDistinct(learningRates, what: "learning rates")
        for name in names where !Self.knownOptimizers.contains(name) {
            throw SweepError.invalidOption("unknown optimizer '\(name)'; use \(Self.knownOptimizers.joined(separator: ", "))")
        }
        for size in batchSizes where !(1...4096).contains(size) {
            throw SweepError.invalidOption("batch size \(size) is not between 1 and 4096")
        }
        for rate in learningRates where !(rate.isFinite && rate > 0 && rate < 10) {
            throw SweepError.invalidOption("learning rate \(rate) is not a positive number below 10")
        }
        configurations = names.flatMap { optimizer in
            batchSizes.flatMap { size in learningRates.map { SweepConfiguration(optimizer: optimizer, batchSize: size, learningRate: $0) } }
        }
    }

    /// Parses comma-separated lists as the command line gives them ("sgd,adam", "16,32", "0.01,0.001").
    public init(optimizers: String, batchSizes: String, learningRates: String) throws {
        func items(_ text: String) -> [String] {
            text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        let sizes = try items(batchSizes).map { item -> Int in
            guard let value = Int(item) else { throw SweepError.invalidOption("batch size '\(item)' is not a whole number") }
            return value
        }
        let rates = try items(learningRates).map { item -> Double in
            guard let value = Double(item) else { throw SweepError.invalidOption("learning rate '\(item)' is not a number") }
            return value
        }
        try self.init(optimizers: items(optimizers), batchSizes: sizes, learningRates: rates)
    }

    private static func requireDistinct<Value: Hashable>(_ values: [Value], what: String) throws {
        guard !values.isEmpty else { throw SweepError.invalidOption("no \(what) given; list at least one, separated by commas") }
        guard Set(values).count == values.count else { throw SweepError.invalidOption("the \(what) \(values) repeat a value") }
    }
}
