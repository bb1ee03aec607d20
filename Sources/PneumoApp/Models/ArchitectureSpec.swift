import Foundation

/// A network described as data: what `--model FILE.json` reads and what built-in models are.
///
///     {"name": "tiny", "input": {"channels": 1, "size": 64},
///      "layers": [{"type": "Conv2D", "filters": 8, "kernel": 3, "padding": "same", "activation": "relu"},
///                 {"type": "MaxPool2D", "size": 2}, {"type": "Flatten"}, {"type": "Dense", "units": "output"}]}
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
    public var layers: [LayerSpec]

    public init(name: String, description: String? = nil, input: Input, layers: [LayerSpec]) {
        self.name = name
        self.description = description
        self.input = input
        self.layers = layers
    }

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

public enum ArchitectureError: Error, CustomStringConvertible, Equatable {
    case unreadable(String, String)
    case invalid(String, String)
    case unknownModel(String, known: [String])
    case badLayer(index: Int, String)
    /// Sizes past `ArchitectureLimits`, found before anything is allocated.
    case tooLarge(String, String)

    public var description: String {
        switch self {
        case let .unreadable(path, why): return "cannot read architecture file \(path): \(why)"
        case let .invalid(path, why): return "architecture file \(path) is not valid: \(why)"
        case let .unknownModel(name, known):
            return "unknown model '\(name)': use one of \(known.joined(separator: ", ")) or a path to an architecture .json file"
        case let .badLayer(index, why): return "layer \(index): \(why)"
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
