import Engine

/// Readings of a layer's options shared by `ModelBuilder` and `ArchitecturePlan`, so the two
/// can never disagree about what a file asks for.
extension LayerSpec {
    /// The activations a layer may apply.
    static let activations = ["relu", "leaky_relu", "sigmoid", "tanh"]

    /// The activation this layer applies: its own for an activation layer, else its `activation` option.
    var activationName: String? {
        ["ReLU": "relu", "LeakyReLU": "leaky_relu", "Sigmoid": "sigmoid", "Tanh": "tanh"][type] ?? activation
    }

    /// The convolution padding asked for, `valid` when none is given.
    func convolutionPadding() throws -> Padding {
        guard let name = padding else { return .valid }
        guard let value = Padding(rawValue: name) else { throw LayerProblem(message: "\(type): padding must be valid or same, got \(name)") }
        return value
    }

    /// The message for a layer type neither knows.
    var unknownTypeProblem: LayerProblem {
        LayerProblem(message: "\(type): unknown layer type; use Conv2D, Dense, MaxPool2D, AvgPool2D, GlobalAvgPool, Flatten, Dropout, BatchNorm, ReLU, LeakyReLU, Sigmoid, Tanh, Add, Concat")
    }
}
