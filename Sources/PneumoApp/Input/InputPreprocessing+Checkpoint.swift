/// Reading the preprocessing back from a checkpoint, including checkpoints written before some
/// of its fields existed.
extension CheckpointMetadata {
    /// The preprocessing stored with the checkpoint. A field an older checkpoint lacks takes the
    /// value every model used before it was written: `input`'s side and channels, gray, DCT +
    /// area resize, scale 1/255, offset 0. Unknown colours or resize methods and values that
    /// contradict `input` are refused.
    public func inputPreprocessing() throws -> InputPreprocessing {
        let stored: StoredPreprocessing
        do {
            if case .null = preprocessing {
                stored = StoredPreprocessing()
            } else {
                stored = try preprocessing.decode(StoredPreprocessing.self)
            }
        } catch {
            throw PreprocessingRecordError("preprocessing cannot be read (\(error)); this build knows color 'grayscale' and resize 'dct-area'")
        }
        let result = InputPreprocessing(
            side: stored.side ?? input.width, channels: stored.channels ?? input.channels, color: stored.color ?? .grayscale,
            resize: stored.resize ?? .dctArea, scale: stored.scale ?? InputPreprocessing.unitScale, offset: stored.offset ?? 0)
        var problems = result.problems()
        if result.side != input.width || result.side != input.height {
            problems.append("preprocessing side \(result.side) does not match the input size \(input.width)x\(input.height)")
        }
        if result.channels != input.channels {
            problems.append("preprocessing gives \(result.channels) channels but the input takes \(input.channels)")
        }
        guard problems.isEmpty else { throw PreprocessingRecordError(problems.joined(separator: "; ")) }
        return result
    }
}

extension CheckpointMetadata {
    /// The stored preprocessing's scaling in words, for reports; says so when it cannot be read.
    var scalingWords: String {
        (try? inputPreprocessing())?.scalingWords ?? "scaled by an unreadable preprocessing record"
    }
}

/// A checkpoint's preprocessing that no model can be fed with.
public struct PreprocessingRecordError: Error, CustomStringConvertible, Equatable {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// Every field optional, so records written before a field existed still read; other members
/// (such as the decoder's `maxPixels` limit of older records) are ignored.
private struct StoredPreprocessing: Decodable {
    var side: Int?
    var channels: Int?
    var color: InputPreprocessing.Color?
    var resize: InputPreprocessing.Resize?
    var scale: Double?
    var offset: Double?
}
