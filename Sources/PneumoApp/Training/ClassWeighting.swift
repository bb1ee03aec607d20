import Foundation

/// How the loss weighs each class: not at all, by inverse frequency in the training split,
/// or by weights the user gives.
public enum ClassWeighting: Equatable, Sendable, CustomStringConvertible {
    case none
    /// n / (k * n_c) for class c of k classes in n training images, so the classes count equally.
    case auto
    case given([Double])

    /// Reads `none`, `auto` or comma-separated weights such as `1.9,0.66`.
    public init(parsing text: String) throws {
        switch text.lowercased() {
        case "none": self = .none
        case "auto": self = .auto
        default:
            let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            let values = parts.compactMap(Double.init)
            guard values.count == parts.count, !values.isEmpty else {
                throw TrainingError.invalidOption(
                    "--class-weights '\(text)' not understood: use auto, none, or one number per class such as 1.9,0.66")
            }
            self = .given(values)
        }
    }

    public var description: String {
        switch self {
        case .none: return "none"
        case .auto: return "auto"
        case let .given(values): return values.map { "\($0)" }.joined(separator: ",")
        }
    }

    /// Checks given weights against the class count.
    public func validate(classes: Int) throws {
        guard case let .given(values) = self else { return }
        guard values.count == classes else {
            throw TrainingError.invalidOption("--class-weights has \(values.count) numbers but the model has \(classes) classes; give one per class")
        }
        guard values.allSatisfy({ $0.isFinite && $0 >= 0 }), values.contains(where: { $0 > 0 }) else {
            throw TrainingError.invalidOption("--class-weights must be finite, non-negative and not all zero, got \(description)")
        }
    }

    /// The weight per class for training labels `labels`; nil means all ones. Under
    /// class-balanced sampling the batches already hold the classes equally, so `auto` gives ones.
    public func resolve(labels: [Int], classes: Int, balancedSampling: Bool) throws -> [Double]? {
        switch self {
        case .none:
            return nil
        case let .given(values):
            try validate(classes: classes)
            return values
        case .auto:
            if balancedSampling { return nil }
            var counts = [Int](repeating: 0, count: classes)
            for label in labels where (0..<classes).contains(label) { counts[label] += 1 }
            if let missing = counts.firstIndex(of: 0) {
                throw TrainingError.invalidOption(
                    "--class-weights auto: the training split has no image of class \(missing); give weights or use none")
            }
            let total = Double(counts.reduce(0, +))
            return counts.map { total / (Double(classes) * Double($0)) }
        }
    }
}

extension ClassWeighting: Codable {
    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let values = try? container.decode([Double].self) {
            self = .given(values)
        } else {
            self = try ClassWeighting(parsing: try container.decode(String.self))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case let .given(values): try container.encode(values)
        default: try container.encode(description)
        }
    }
}
