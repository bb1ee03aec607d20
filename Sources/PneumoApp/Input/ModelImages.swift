import Engine
import OpenCLKit

/// Images on their way into a model: gray bytes that the model's preprocessing turns into input
/// on the device, or input values already prepared (NCHW floats of the model's input shape).
public enum ModelImages {
    /// `side` x `side` gray bytes per image, image after image.
    case pixels([UInt8])
    /// `channels * side * side` floats per image, as the network takes them.
    case values([Float])

    /// Elements one image takes in this form.
    func perImage(_ preprocessing: InputPreprocessing) -> Int {
        let plane = preprocessing.side * preprocessing.side
        switch self {
        case .pixels: return plane
        case .values: return preprocessing.channels * plane
        }
    }

    private var elementCount: Int {
        switch self {
        case let .pixels(bytes): return bytes.count
        case let .values(values): return values.count
        }
    }

    /// Throws unless this holds exactly `count` images for `preprocessing`.
    func check(count: Int, _ preprocessing: InputPreprocessing) throws {
        let size = perImage(preprocessing)
        guard count >= 0, elementCount == count * size else {
            let unit: String
            switch self {
            case .pixels: unit = "gray bytes"
            case .values: unit = "input values"
            }
            throw EngineError.shapeMismatch("\(elementCount) \(unit) are not \(count) images of \(size)")
        }
    }

    /// The input tensor `[n, channels, side, side]` for images `start ..< start + n`.
    func tensor(start: Int, count n: Int, _ preprocessing: InputPreprocessing, context: ComputeContext) throws -> Tensor {
        let size = perImage(preprocessing)
        let range = (start * size)..<((start + n) * size)
        switch self {
        case let .pixels(bytes):
            return try preprocessing.tensor(pixels: Array(bytes[range]), count: n, context: context)
        case let .values(values):
            let side = preprocessing.side
            return try Tensor(context, shape: [n, preprocessing.channels, side, side], values: Array(values[range]))
        }
    }

    /// `parts` one after another; all must be in the same form (the first's).
    static func concatenated(_ parts: [ModelImages]) -> ModelImages {
        guard case .pixels = parts.first else {
            return .values(parts.flatMap { part -> [Float] in
                guard case let .values(values) = part else { preconditionFailure("mixed forms of model images") }
                return values
            })
        }
        return .pixels(parts.flatMap { part -> [UInt8] in
            guard case let .pixels(bytes) = part else { preconditionFailure("mixed forms of model images") }
            return bytes
        })
    }

    /// The images at `indices`, in that order, in the same form.
    func subset(_ indices: [Int], _ preprocessing: InputPreprocessing) -> ModelImages {
        let size = perImage(preprocessing)
        switch self {
        case let .pixels(bytes): return .pixels(indices.flatMap { bytes[($0 * size)..<(($0 + 1) * size)] })
        case let .values(values): return .values(indices.flatMap { values[($0 * size)..<(($0 + 1) * size)] })
        }
    }
}
