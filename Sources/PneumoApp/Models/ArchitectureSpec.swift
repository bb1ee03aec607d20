import Foundation

/// A network described as data: what `--model FILE.json` reads and what built-in models are.
///
/// A chain of layers, each reading the one before:
///
///     {"name": "tiny", "input": {"channels": 1, "size": 64},
///      "layers": [{"type": "Conv2D", "filters": 8, "kernel": 3, "padding": "same", "activation": "relu"},
///                 {"type": "MaxPool2D", "size": 2}, {"type": "Flatten"}, {"type": "Dense", "units": "output"}]}
///
/// or a graph of named nodes, each reading the nodes in its `inputs` (`"input"` is the image;
/// without `inputs` a node reads the node before it), with `Add` and `Concat` joining branches:
///
///     {"name": "residual", "input": {"channels": 1, "size": 64},
///      "nodes": [{"name": "stem", "type": "Conv2D", "filters": 8, "padding": "same", "activation": "relu"},
///                {"name": "conv", "type": "Conv2D", "filters": 8, "padding": "same"},
///                {"name": "sum", "type": "Add", "inputs": ["stem", "conv"], "activation": "relu"},
///                {"name": "pool", "type": "GlobalAvgPool"}, {"name": "head", "type": "Dense", "units": "output"}]}
///
/// `"units": "output"` is the classifier head: one logit for two classes, one per class otherwise.
public struct ArchitectureSpec: Codable, Equatable, Sendable {
    public struct Input: Codable, Equatable, Sendable {
        public var channels: Int
        public var size: Int
        public init(channels: Int, size: Int) {
            self.channels = channels
            self.size = size
        }
    }

    public var name: String
    public var description: String?
    public var input: Input
    /// The chain form; empty when the architecture is a graph (`nodes`).
    public var layers: [LayerSpec]
    /// The graph form; nil for a chain of `layers`.
    public var nodes: [NodeSpec]?

    /// A chain of layers.
    public init(name: String, description: String? = nil, input: Input, layers: [LayerSpec]) {
        self.name = name
        self.description = description
        self.input = input
        self.layers = layers
    }

    /// A graph of named nodes.
    public init(name: String, description: String? = nil, input: Input, nodes: [NodeSpec]) {
        self.init(name: name, description: description, input: input, layers: [])
        self.nodes = nodes
    }

    private enum CodingKeys: String, CodingKey {
        case name, description, input, layers, nodes
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        description = try container.decodeIfPresent(String.self, forKey: .description)
        input = try container.decode(Input.self, forKey: .input)
        nodes = try container.decodeIfPresent([NodeSpec].self, forKey: .nodes)
        let layers = try container.decodeIfPresent([LayerSpec].self, forKey: .layers)
        switch (layers, nodes) {
        case (nil, nil):
            throw DecodingError.dataCorruptedError(
                forKey: .layers, in: container, debugDescription: "an architecture needs \"layers\" (a chain) or \"nodes\" (a graph)")
        case (.some, .some):
            throw DecodingError.dataCorruptedError(
                forKey: .nodes, in: container, debugDescription: "give either \"layers\" or \"nodes\", not both")
        default:
            self.layers = layers ?? []
        }
    }

    /// Writes `layers` for a chain and `nodes` for a graph, so a chain's JSON is as it always was.
    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encodeIfPresent(description, forKey: .description)
        try container.encode(input, forKey: .input)
        if let nodes {
            try container.encode(nodes, forKey: .nodes)
        } else {
            try container.encode(layers, forKey: .layers)
        }
    }

    /// True for the graph form.
    public var isGraph: Bool { nodes != nil }

    /// The layer options of every layer or node, in file order.
    public var allLayers: [LayerSpec] { nodes?.map(\.layer) ?? layers }

    /// Reads a user's architecture file, with errors that name the file and the problem.
    public static func load(from url: URL) throws -> ArchitectureSpec {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw ArchitectureError.unreadable(url.path, "\(error.localizedDescription)")
        }
        do {
            return try JSONDecoder().decode(ArchitectureSpec.self, from: data)
        } catch let error as DecodingError {
            throw ArchitectureError.invalid(url.path, describe(error))
        }
    }

    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}

/// One layer of an architecture file.
public struct LayerSpec: Codable, Equatable, Sendable {
    public enum Units: Codable, Equatable, Sendable {
        case fixed(Int)
        /// The classifier head: sized by the number of classes.
        case output

        public init(from decoder: Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let value = try? container.decode(Int.self) {
                self = .fixed(value)
            } else if try container.decode(String.self) == "output" {
                self = .output
            } else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "units must be a number or \"output\"")
            }
        }

        public func encode(to encoder: Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case let .fixed(value): try container.encode(value)
            case .output: try container.encode("output")
            }
        }
    }

    public var type: String
    public var filters: Int?
    public var kernel: Int?
    public var stride: Int?
    public var padding: String?
    public var activation: String?
    public var units: Units?
    public var size: Int?
    public var rate: Double?
    public var slope: Double?
    public var momentum: Double?
    public var epsilon: Double?
    public var initializer: String?

    public init(
        type: String, filters: Int? = nil, kernel: Int? = nil, stride: Int? = nil, padding: String? = nil,
        activation: String? = nil, units: Units? = nil, size: Int? = nil, rate: Double? = nil, slope: Double? = nil,
        momentum: Double? = nil, epsilon: Double? = nil, initializer: String? = nil
    ) {
        self.type = type
        self.filters = filters
        self.kernel = kernel
        self.stride = stride
        self.padding = padding
        self.activation = activation
        self.units = units
        self.size = size
        self.rate = rate
        self.slope = slope
        self.momentum = momentum
        self.epsilon = epsilon
        self.initializer = initializer
    }
}

/// One node of an architecture graph: a name, the nodes it reads, and a layer's options.
public struct NodeSpec: Codable, Equatable, Sendable {
    /// Unique in the graph; no dots, not "input". Parameters are named `<name>.weight`.
    public var name: String
    /// The nodes read, by name ("input" is the image); nil reads the node before.
    public var inputs: [String]?
    /// The type and options, as for a layer.
    public var layer: LayerSpec

    public init(name: String, inputs: [String]? = nil, _ layer: LayerSpec) {
        self.name = name
        self.inputs = inputs
        self.layer = layer
    }

    private enum CodingKeys: String, CodingKey {
        case name, inputs
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        inputs = try container.decodeIfPresent([String].self, forKey: .inputs)
        layer = try LayerSpec(from: decoder)
    }

    public func encode(to encoder: Encoder) throws {
        try layer.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encodeIfPresent(inputs, forKey: .inputs)
    }
}

public enum ArchitectureError: Error, CustomStringConvertible, Equatable {
    case unreadable(String, String)
    case invalid(String, String)
    case unknownModel(String, known: [String])
    case badLayer(index: Int, String)
    /// A problem with one node of a graph, or with how the nodes connect.
    case badNode(String, String)
    /// Sizes past `ArchitectureLimits`, found before anything is allocated.
    case tooLarge(String, String)

    public var description: String {
        switch self {
        case let .unreadable(path, why): return "cannot read architecture file \(path): \(why)"
        case let .invalid(path, why): return "architecture file \(path) is not valid: \(why)"
        case let .unknownModel(name, known):
            return "unknown model '\(name)': use one of \(known.joined(separator: ", ")) or a path to an architecture .json file"
        case let .badLayer(index, why): return "layer \(index): \(why)"
        case let .badNode(name, why): return "node '\(name)': \(why)"
        case let .tooLarge(name, why):
            return "architecture \(name) is too large to build: \(why); check the architecture file for a mistyped size"
        }
    }
}

func describe(_ error: DecodingError) -> String {
    func path(_ context: DecodingError.Context) -> String {
        let keys = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
        return keys.isEmpty ? "" : " at \(keys)"
    }
    switch error {
    case let .keyNotFound(key, context): return "missing key '\(key.stringValue)'\(path(context))"
    case let .typeMismatch(_, context): return "\(context.debugDescription)\(path(context))"
    case let .valueNotFound(_, context): return "missing value\(path(context))"
    case let .dataCorrupted(context): return "\(context.debugDescription)\(path(context))"
    @unknown default: return "\(error)"
    }
}
