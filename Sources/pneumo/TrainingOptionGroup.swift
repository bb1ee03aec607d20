import ArgumentParser
import PneumoApp

/// Every option that shapes a training run, declared once and read as `TrainingArguments`.
struct TrainingOptionGroup: ParsableArguments {
    @OptionGroup var modelChoice: ModelChoiceOptions
    @OptionGroup var optimization: OptimizationOptions
    @OptionGroup var augmentation: AugmentationOptions
    @OptionGroup var mixing: MixingOptions
    @OptionGroup var validation: ValidationChoiceOptions

    /// The options as given (nil where not given), ready for `resolve()` and `givenOptions`.
    var arguments: TrainingArguments {
        var arguments = TrainingArguments()
        modelChoice.apply(to: &arguments)
        optimization.apply(to: &arguments)
        augmentation.apply(to: &arguments)
        mixing.apply(to: &arguments)
        validation.apply(to: &arguments)
        return arguments
    }
}
