import ArgumentParser
import PneumoApp

/// `train`'s recipe, model and its shape.
struct ModelChoiceOptions: ParsableArguments {
    @Option(help: "Starting point for the options below: default (tuned for pneumonet) or notebook (the Keras notebook's settings for the model).")
    var recipe: TrainingRecipe?

    @Option(help: "Built-in model (pneumonet, pneumonet-deep, pneumoresnet, seed-cnn-tuned, seed-cnn, seed-cnn-deep, seed-dense) or an architecture .json file. Default: pneumonet.")
    var model: String?

    @Option(help: "2: normal / pneumonia; 3: normal / bacterial / viral. Default: 2.")
    var classes: Int?

    @Option(help: "Input side in pixels, replacing the architecture's.")
    var inputSize: Int?

    @Option(help: "Filters of the first convolution; later ones keep their ratio to it.")
    var width: Int?

    /// Writes the given values into `arguments`; what was not given stays nil.
    func apply(to arguments: inout TrainingArguments) {
        arguments.recipe = recipe?.rawValue
        arguments.model = model
        arguments.classes = classes
        arguments.inputSize = inputSize
        arguments.width = width
    }
}
