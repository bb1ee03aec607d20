/// Why a checkpoint cannot be exported, in words that say what to do.
public enum ONNXExportError: Error, CustomStringConvertible, Equatable {
    /// A layer type the exporter has no ONNX mapping for.
    case unsupportedLayer(index: Int, type: String)
    /// A layer whose options cannot be expressed.
    case badLayer(index: Int, type: String, String)
    /// An architecture with no layers.
    case emptyArchitecture(String)
    /// A tensor the network needs is not in the checkpoint, or has another shape.
    case missingTensor(name: String, expected: [Int], found: [Int]?)
    /// The node list reads a value no earlier node writes.
    case unknownValue(node: String, input: String)
    /// A node's inputs do not fit its operation (count or shape).
    case badInputs(node: String, String)
    /// Class counts the output head cannot describe.
    case unsupportedClasses(Int)

    public var description: String {
        switch self {
        case let .unsupportedLayer(index, type):
            return "layer \(index) (\(type)) cannot be exported to ONNX: the exporter maps Conv2D, Dense, BatchNorm, ReLU, "
                + "LeakyReLU, Sigmoid, Tanh, MaxPool2D, AvgPool2D, GlobalAvgPool, Flatten and Dropout"
        case let .badLayer(index, type, why): return "layer \(index) (\(type)) cannot be exported to ONNX: \(why)"
        case let .emptyArchitecture(name): return "architecture \(name) has no layers to export"
        case let .missingTensor(name, expected, found?):
            return "tensor \(name) has shape \(found) in the checkpoint but the architecture needs \(expected)"
        case let .missingTensor(name, expected, nil):
            return "tensor \(name) (shape \(expected)) is missing from the checkpoint"
        case let .unknownValue(node, input): return "node \(node) reads \(input), which no earlier node writes"
        case let .badInputs(node, why): return "node \(node): \(why)"
        case let .unsupportedClasses(count): return "a model with \(count) classes cannot be exported; it needs 2 or more"
        }
    }
}
