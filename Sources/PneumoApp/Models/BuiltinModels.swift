import Foundation

/// The architectures shipped with pneumo, in the same JSON a user would write.
public enum BuiltinModels {
    /// Name -> architecture JSON.
    public static let sources: [String: String] = [
        // The notebook's fully connected baseline (3,147,905 parameters).
        "seed-dense": """
        {"name": "seed-dense", "description": "Notebook baseline: Flatten -> Dense 64 -> Dense 32 -> Dense 1",
         "input": {"channels": 3, "size": 128},
         "layers": [
           {"type": "Flatten"},
           {"type": "Dense", "units": 64, "activation": "relu", "initializer": "glorot_uniform"},
           {"type": "Dense", "units": 32, "activation": "relu", "initializer": "glorot_uniform"},
           {"type": "Dense", "units": "output", "initializer": "glorot_uniform"}]}
        """,
        // The notebook's first CNN (49,057 parameters).
        "seed-cnn": """
        {"name": "seed-cnn", "description": "Notebook CNN: Conv 64 -> MaxPool -> Conv 32 -> MaxPool -> Dense 1",
         "input": {"channels": 3, "size": 128},
         "layers": [
           {"type": "Conv2D", "filters": 64, "kernel": 3, "padding": "valid", "activation": "relu", "initializer": "glorot_uniform"},
           {"type": "MaxPool2D", "size": 2},
           {"type": "Conv2D", "filters": 32, "kernel": 3, "padding": "valid", "activation": "relu", "initializer": "glorot_uniform"},
           {"type": "MaxPool2D", "size": 2},
           {"type": "Flatten"},
           {"type": "Dense", "units": "output", "initializer": "glorot_uniform"}]}
        """,
        // The notebook's tuned CNN (3,304,769 parameters).
        "seed-cnn-tuned": """
        {"name": "seed-cnn-tuned", "description": "Notebook tuned CNN: 3 conv blocks with dropout, Dense 128, Dense 1",
         "input": {"channels": 3, "size": 128},
         "layers": [
           {"type": "Conv2D", "filters": 32, "kernel": 3, "padding": "valid", "activation": "relu", "initializer": "glorot_uniform"},
           {"type": "MaxPool2D", "size": 2},
           {"type": "Dropout", "rate": 0.25},
           {"type": "Conv2D", "filters": 64, "kernel": 3, "padding": "valid", "activation": "relu", "initializer": "glorot_uniform"},
           {"type": "MaxPool2D", "size": 2},
           {"type": "Dropout", "rate": 0.25},
           {"type": "Conv2D", "filters": 128, "kernel": 3, "padding": "valid", "activation": "relu", "initializer": "glorot_uniform"},
           {"type": "MaxPool2D", "size": 2},
           {"type": "Dropout", "rate": 0.25},
           {"type": "Flatten"},
           {"type": "Dense", "units": 128, "activation": "relu", "initializer": "glorot_uniform"},
           {"type": "Dropout", "rate": 0.5},
           {"type": "Dense", "units": "output", "initializer": "glorot_uniform"}]}
        """,
        // The notebook's deeper draft CNN (1,192,385 parameters; see SEED.md).
        "seed-cnn-deep": """
        {"name": "seed-cnn-deep", "description": "Notebook deeper draft CNN: Conv 32, 64, 128, 128, 256 each with max pool, Dense 512, Dense 256, Dense 1",
         "input": {"channels": 3, "size": 128},
         "layers": [
           {"type": "Conv2D", "filters": 32, "kernel": 3, "padding": "valid", "activation": "relu", "initializer": "glorot_uniform"},
           {"type": "MaxPool2D", "size": 2},
           {"type": "Conv2D", "filters": 64, "kernel": 3, "padding": "valid", "activation": "relu", "initializer": "glorot_uniform"},
           {"type": "MaxPool2D", "size": 2},
           {"type": "Conv2D", "filters": 128, "kernel": 3, "padding": "valid", "activation": "relu", "initializer": "glorot_uniform"},
           {"type": "MaxPool2D", "size": 2},
           {"type": "Conv2D", "filters": 128, "kernel": 3, "padding": "valid", "activation": "relu", "initializer": "glorot_uniform"},
           {"type": "MaxPool2D", "size": 2},
           {"type": "Conv2D", "filters": 256, "kernel": 3, "padding": "valid", "activation": "relu", "initializer": "glorot_uniform"},
           {"type": "MaxPool2D", "size": 2},
           {"type": "Flatten"},
           {"type": "Dense", "units": 512, "activation": "relu", "initializer": "glorot_uniform"},
           {"type": "Dense", "units": 256, "activation": "relu", "initializer": "glorot_uniform"},
           {"type": "Dense", "units": "output", "initializer": "glorot_uniform"}]}
        """,
        // A small residual network for 1-channel X-rays (308,097 parameters): a graph.
        "pneumoresnet": """
        {"name": "pneumoresnet", "description": "Residual network: 3x3 stem (16 filters) with BN-ReLU and max pool, four stages of one basic residual block (16, 32, 64, 128 filters; stride 2 with 1x1 projections from the second on), global average pooling, dropout, linear head; one block per stage, not two, for CPU training (a step costs about 1.7x pneumonet's)",
         "input": {"channels": 1, "size": 128},
         "nodes": [
           {"name": "stem", "type": "Conv2D", "filters": 16, "kernel": 3, "padding": "same"},
           {"name": "stem_bn", "type": "BatchNorm", "activation": "relu"},
           {"name": "stem_pool", "type": "MaxPool2D", "size": 2},
           {"name": "s1b1_conv1", "type": "Conv2D", "filters": 16, "kernel": 3, "padding": "same", "inputs": ["stem_pool"]},
           {"name": "s1b1_bn1", "type": "BatchNorm", "activation": "relu"},
           {"name": "s1b1_conv2", "type": "Conv2D", "filters": 16, "kernel": 3, "padding": "same"},
           {"name": "s1b1_bn2", "type": "BatchNorm"},
           {"name": "s1b1", "type": "Add", "inputs": ["s1b1_bn2", "stem_pool"], "activation": "relu"},
           {"name": "s2b1_conv1", "type": "Conv2D", "filters": 32, "kernel": 3, "padding": "same", "inputs": ["s1b1"], "stride": 2},
           {"name": "s2b1_bn1", "type": "BatchNorm", "activation": "relu"},
           {"name": "s2b1_conv2", "type": "Conv2D", "filters": 32, "kernel": 3, "padding": "same"},
           {"name": "s2b1_bn2", "type": "BatchNorm"},
           {"name": "s2b1_proj", "type": "Conv2D", "filters": 32, "kernel": 1, "padding": "same", "inputs": ["s1b1"], "stride": 2},
           {"name": "s2b1_proj_bn", "type": "BatchNorm"},
           {"name": "s2b1", "type": "Add", "inputs": ["s2b1_bn2", "s2b1_proj_bn"], "activation": "relu"},
           {"name": "s3b1_conv1", "type": "Conv2D", "filters": 64, "kernel": 3, "padding": "same", "inputs": ["s2b1"], "stride": 2},
           {"name": "s3b1_bn1", "type": "BatchNorm", "activation": "relu"},
           {"name": "s3b1_conv2", "type": "Conv2D", "filters": 64, "kernel": 3, "padding": "same"},
           {"name": "s3b1_bn2", "type": "BatchNorm"},
           {"name": "s3b1_proj", "type": "Conv2D", "filters": 64, "kernel": 1, "padding": "same", "inputs": ["s2b1"], "stride": 2},
           {"name": "s3b1_proj_bn", "type": "BatchNorm"},
           {"name": "s3b1", "type": "Add", "inputs": ["s3b1_bn2", "s3b1_proj_bn"], "activation": "relu"},
           {"name": "s4b1_conv1", "type": "Conv2D", "filters": 128, "kernel": 3, "padding": "same", "inputs": ["s3b1"], "stride": 2},
           {"name": "s4b1_bn1", "type": "BatchNorm", "activation": "relu"},
           {"name": "s4b1_conv2", "type": "Conv2D", "filters": 128, "kernel": 3, "padding": "same"},
           {"name": "s4b1_bn2", "type": "BatchNorm"},
           {"name": "s4b1_proj", "type": "Conv2D", "filters": 128, "kernel": 1, "padding": "same", "inputs": ["s3b1"], "stride": 2},
           {"name": "s4b1_proj_bn", "type": "BatchNorm"},
           {"name": "s4b1", "type": "Add", "inputs": ["s4b1_bn2", "s4b1_proj_bn"], "activation": "relu"},
           {"name": "pool", "type": "GlobalAvgPool"},
           {"name": "dropout", "type": "Dropout", "rate": 0.3},
           {"name": "head", "type": "Dense", "units": "output"}]}
        """,
        // pneumonet with a second 3x3 conv-BN-ReLU in each of its last three blocks: 3x the
        // parameters and 2.4x the arithmetic, at the low resolutions where it is cheap.
        "pneumonet-deep": """
        {"name": "pneumonet-deep", "description": "pneumonet with a second conv-BN-ReLU in each of its last three blocks (16-256 filters, 8 convolutions), global average pooling, dropout, linear head",
         "input": {"channels": 1, "size": 128},
         "layers": [
           {"type": "Conv2D", "filters": 16, "kernel": 3, "padding": "same"},
           {"type": "BatchNorm"}, {"type": "ReLU"}, {"type": "MaxPool2D", "size": 2},
           {"type": "Conv2D", "filters": 32, "kernel": 3, "padding": "same"},
           {"type": "BatchNorm"}, {"type": "ReLU"}, {"type": "MaxPool2D", "size": 2},
           {"type": "Conv2D", "filters": 64, "kernel": 3, "padding": "same"},
           {"type": "BatchNorm"}, {"type": "ReLU"},
           {"type": "Conv2D", "filters": 64, "kernel": 3, "padding": "same"},
           {"type": "BatchNorm"}, {"type": "ReLU"}, {"type": "MaxPool2D", "size": 2},
           {"type": "Conv2D", "filters": 128, "kernel": 3, "padding": "same"},
           {"type": "BatchNorm"}, {"type": "ReLU"},
           {"type": "Conv2D", "filters": 128, "kernel": 3, "padding": "same"},
           {"type": "BatchNorm"}, {"type": "ReLU"}, {"type": "MaxPool2D", "size": 2},
           {"type": "Conv2D", "filters": 256, "kernel": 3, "padding": "same"},
           {"type": "BatchNorm"}, {"type": "ReLU"},
           {"type": "Conv2D", "filters": 256, "kernel": 3, "padding": "same"},
           {"type": "BatchNorm"}, {"type": "ReLU"},
           {"type": "GlobalAvgPool"},
           {"type": "Dropout", "rate": 0.3},
           {"type": "Dense", "units": "output"}]}
        """,
        // Our default: conv-BN-ReLU blocks halving the resolution, global average pooling, dropout.
        "pneumonet": """
        {"name": "pneumonet", "description": "Five conv-BN-ReLU blocks (16-256 filters), global average pooling, dropout, linear head",
         "input": {"channels": 1, "size": 128},
         "layers": [
           {"type": "Conv2D", "filters": 16, "kernel": 3, "padding": "same"},
           {"type": "BatchNorm"}, {"type": "ReLU"}, {"type": "MaxPool2D", "size": 2},
           {"type": "Conv2D", "filters": 32, "kernel": 3, "padding": "same"},
           {"type": "BatchNorm"}, {"type": "ReLU"}, {"type": "MaxPool2D", "size": 2},
           {"type": "Conv2D", "filters": 64, "kernel": 3, "padding": "same"},
           {"type": "BatchNorm"}, {"type": "ReLU"}, {"type": "MaxPool2D", "size": 2},
           {"type": "Conv2D", "filters": 128, "kernel": 3, "padding": "same"},
           {"type": "BatchNorm"}, {"type": "ReLU"}, {"type": "MaxPool2D", "size": 2},
           {"type": "Conv2D", "filters": 256, "kernel": 3, "padding": "same"},
           {"type": "BatchNorm"}, {"type": "ReLU"},
           {"type": "GlobalAvgPool"},
           {"type": "Dropout", "rate": 0.3},
           {"type": "Dense", "units": "output"}]}
        """,
    ]

    public static var names: [String] { sources.keys.sorted() }

    /// A built-in by name, or a user's file when `nameOrPath` is not a built-in name.
    public static func resolve(_ nameOrPath: String) throws -> ArchitectureSpec {
        if let json = sources[nameOrPath] {
            return try JSONDecoder().decode(ArchitectureSpec.self, from: Data(json.utf8))
        }
        if nameOrPath.hasSuffix(".json") || nameOrPath.contains("/") {
            return try ArchitectureSpec.load(from: URL(fileURLWithPath: nameOrPath))
        }
        throw ArchitectureError.unknownModel(nameOrPath, known: names)
    }
}

extension ArchitectureSpec {
    /// The same architecture with another input size and/or first-block width; later
    /// convolutions keep their ratio to the first.
    public func resized(inputSize: Int? = nil, width: Int? = nil, channels: Int? = nil) -> ArchitectureSpec {
        var copy = self
        if let inputSize { copy.input.size = inputSize }
        if let channels { copy.input.channels = channels }
        if let width, let first = allLayers.first(where: { $0.type == "Conv2D" })?.filters, first > 0 {
            func scaled(_ layer: LayerSpec) -> LayerSpec {
                guard layer.type == "Conv2D", let filters = layer.filters else { return layer }
                var scaled = layer
                scaled.filters = max(1, Int((Double(filters) * Double(width) / Double(first)).rounded()))
                return scaled
            }
            copy.layers = layers.map(scaled)
            copy.nodes = nodes?.map { node in NodeSpec(name: node.name, inputs: node.inputs, scaled(node.layer)) }
        }
        return copy
    }
}
