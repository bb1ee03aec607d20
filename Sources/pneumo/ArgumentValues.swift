import ArgumentParser
import PneumoApp
import PneumoData

// The fixed sets of values the options take. Being CaseIterable, they appear in `--help`, in
// shell completions and in the error for a value outside the set.

extension PredictionFormat: ExpressibleByArgument {}
extension LabelScheme: ExpressibleByArgument {}
extension DatasetSplit: ExpressibleByArgument {}
extension LowQualityPolicy: ExpressibleByArgument {}

// These were always read in any case (`--optimizer AdamW`), so they still are.

extension OptimizerKind: ExpressibleByArgument {
    public init?(argument: String) { self.init(rawValue: argument.lowercased()) }
}

extension ValidationMetric: ExpressibleByArgument {
    public init?(argument: String) { self.init(rawValue: argument.lowercased()) }
}

extension TrainingRecipe: ExpressibleByArgument {
    public init?(argument: String) { self.init(rawValue: argument.lowercased()) }
}
