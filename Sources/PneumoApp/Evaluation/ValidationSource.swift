import Foundation
import PneumoData

/// The validation data a model was trained against, read back from its checkpoint, so a
/// threshold chosen at evaluation time is chosen on the same images and never on test.
public enum ValidationSource: Codable, Equatable, Sendable, CustomStringConvertible {
    /// A patient-grouped, class-stratified share of the train split, as `pneumo train` makes it.
    case grouped(fraction: Double, seed: UInt64)
    /// The official val folder.
    case officialVal

    /// Keys under which the training options record the validation fraction and the seed.
    static let fractionKeys = ["validationFraction", "validation_fraction", "valFraction"]
    static let seedKeys = ["split_seed", "seed"]

    /// The grouped split when the training options record a positive fraction and a seed; else the official val folder.
    public init(trainingOptions: JSONValue) {
        let fraction = Self.number(in: trainingOptions, keys: Self.fractionKeys)
        let seed = Self.number(in: trainingOptions, keys: Self.seedKeys)
        if let fraction, fraction > 0, fraction < 1, let seed, seed >= 0, seed == seed.rounded(), seed < 0x1p63 {
            self = .grouped(fraction: fraction, seed: UInt64(seed))
        } else {
            self = .officialVal
        }
    }

    /// The split folders this source reads.
    public var splits: [DatasetSplit] {
        switch self {
        case .grouped: return [.train]
        case .officialVal: return [.val]
        }
    }

    public var description: String {
        switch self {
        case let .grouped(fraction, seed):
            return "the validation share of train (\(NumberFormat.percent(fraction, 0)) of patients, grouped, seed \(seed)) recorded in the checkpoint"
        case .officialVal:
            return "the official val split (the checkpoint records no grouped validation split)"
        }
    }

    /// The split folders this source reads together with the training images it was held out of.
    public var splitsWithTraining: [DatasetSplit] {
        switch self {
        case .grouped: return [.train]
        case .officialVal: return [.train, .val]
        }
    }

    /// The training images of `loadWithTraining`, in words.
    public var trainingDescription: String {
        switch self {
        case let .grouped(fraction, seed):
            return "the train split less its validation share (\(NumberFormat.percent(fraction, 0)) of patients, grouped, seed \(seed))"
        case .officialVal:
            return "the train split"
        }
    }

    /// Decodes the training images (the train split less this source's share) and the
    /// validation images through `preparation`, which must read `splitsWithTraining`.
    func loadWithTraining(with preparation: DatasetPreparation) throws -> (training: DecodedImageSet, validation: DecodedImageSet) {
        switch self {
        case let .grouped(fraction, seed):
            let split = try preparation.trainingAndValidation(validationFraction: fraction, seed: seed)
            return (split.train, split.validation)
        case .officialVal:
            return (try preparation.load(.train).images, try preparation.load(.val).images)
        }
    }

    /// Decodes the validation images through `preparation`.
    func load(with preparation: DatasetPreparation) throws -> DecodedImageSet {
        switch self {
        case let .grouped(fraction, seed):
            return try preparation.trainingAndValidation(validationFraction: fraction, seed: seed).validation
        case .officialVal:
            return try preparation.load(.val).images
        }
    }

    private static func number(in options: JSONValue, keys: [String]) -> Double? {
        for key in keys {
            switch options[key] {
            case let .integer(value)?: return Double(value)
            case let .number(value)?: return value
            case let .string(text)?: if let value = Double(text) { return value }
            default: continue
            }
        }
        return nil
    }
}
