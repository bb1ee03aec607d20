import Foundation

/// Where a checkpoint's two files live: weights (`.safetensors`) and metadata (`.json`).
public struct CheckpointPaths: Equatable, Sendable {
    /// The safetensors file.
    public let weights: URL
    /// The JSON metadata file.
    public let metadata: URL

    /// Resolves a checkpoint location: a path to either file or to their common stem (`runs/a/best`
    /// means `runs/a/best.safetensors` and `runs/a/best.json`), or an existing directory, which
    /// holds `model.safetensors` and `model.json`.
    public init(_ location: URL) {
        var isDirectory: ObjCBool = false
        let stem: URL
        if ["safetensors", "json"].contains(location.pathExtension) {
            stem = location.deletingPathExtension()
        } else if FileManager.default.fileExists(atPath: location.path, isDirectory: &isDirectory), isDirectory.boolValue {
            stem = location.appendingPathComponent("model")
        } else {
            stem = location
        }
        weights = stem.appendingPathExtension("safetensors")
        metadata = stem.appendingPathExtension("json")
    }
}

/// A loaded checkpoint: validated metadata and the tensors it describes.
public struct Checkpoint: Equatable, Sendable {
    /// The metadata, including the weights manifest.
    public var metadata: CheckpointMetadata
    /// The tensors, in file order.
    public var tensors: [NamedTensor]

    /// The tensor called `name`, or an error naming the checkpoint and the tensors it has.
    public func tensor(named name: String) throws -> NamedTensor {
        if let tensor = tensors.first(where: { $0.name == name }) { return tensor }
        throw CheckpointError(
            file: metadata.weights?.file ?? "weights", problem: .invalidWeights,
            detail: "has no tensor '\(name)'; it holds \(tensors.map(\.name).joined(separator: ", "))")
    }
}

/// Saves and loads checkpoints as a safetensors weights file with a JSON metadata file beside it.
///
/// Each file is written atomically. The metadata, written last, records the weights file's size,
/// CRC-32 and a random identifier that the weights file also carries, so loading detects a
/// pair from different saves, a truncated or altered weights file, or a missing half.
public enum CheckpointStore {
    /// The key under which the weights file's metadata carries the checkpoint identifier.
    public static let identifierKey = "pneumo.checkpoint_id"

    /// Writes `tensors` and `metadata` to `location` (see `CheckpointPaths`); returns where they went.
    @discardableResult
    public static func save(tensors: [NamedTensor], metadata: CheckpointMetadata, to location: URL) throws -> CheckpointPaths {
        let paths = CheckpointPaths(location)
        let problems = metadata.problems()
        guard problems.isEmpty else {
            throw CheckpointError(file: paths.metadata.path, problem: .invalidMetadata, detail: problems.joined(separator: "; "))
        }
        let identifier = UUID().uuidString.lowercased()
        let weightsData = try Safetensors.encode(
            tensors, metadata: [identifierKey: identifier, "format": "pt"], file: paths.weights.path)
        var completed = metadata
        completed.weights = WeightsManifest(
            file: paths.weights.lastPathComponent, byteCount: weightsData.count, crc32: hex(CRC32.checksum(weightsData)),
            checkpointID: identifier, tensors: Dictionary(uniqueKeysWithValues: tensors.map { ($0.name, $0.shape) }))
        let metadataData = try encode(completed, file: paths.metadata.path)
        try AtomicFile.write(weightsData, to: paths.weights)
        try AtomicFile.write(metadataData + Data("\n".utf8), to: paths.metadata)
        return paths
    }

    /// Rewrites only the metadata at `location` (calibration, operating points), atomically; the
    /// weights file and its manifest stay as they are, so the pair still matches.
    public static func replaceMetadata(_ metadata: CheckpointMetadata, at location: URL) throws {
        let path = CheckpointPaths(location).metadata
        let current = try loadMetadata(from: location)
        guard metadata.weights == current.weights else {
            throw CheckpointError(file: path.path, problem: .mismatched, detail: "new metadata must keep the weights manifest of the file it replaces")
        }
        let problems = metadata.problems()
        guard problems.isEmpty else {
            throw CheckpointError(file: path.path, problem: .invalidMetadata, detail: problems.joined(separator: "; "))
        }
        try AtomicFile.write(try encode(metadata, file: path.path) + Data("\n".utf8), to: path)
    }

    private static func encode(_ metadata: CheckpointMetadata, file: String) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do {
            return try encoder.encode(metadata)
        } catch {
            throw CheckpointError(file: file, problem: .invalidMetadata, detail: "cannot be encoded as JSON (\(error))")
        }
    }

    /// Reads only the metadata at `location`, validated, without loading the weights.
    public static func loadMetadata(from location: URL) throws -> CheckpointMetadata {
        let path = CheckpointPaths(location).metadata
        guard FileManager.default.fileExists(atPath: path.path) else {
            throw CheckpointError(
                file: path.path, problem: .missing,
                detail: "metadata file not found; pass the checkpoint's .json or .safetensors path, or the stem they share")
        }
        let data: Data
        do {
            data = try Data(contentsOf: path)
        } catch {
            throw CheckpointError(file: path.path, problem: .unreadable, detail: "cannot be read (\(error.localizedDescription))")
        }
        let metadata: CheckpointMetadata
        do {
            metadata = try JSONDecoder().decode(CheckpointMetadata.self, from: data)
        } catch {
            throw CheckpointError(file: path.path, problem: .invalidMetadata, detail: "is not valid checkpoint metadata (\(describe(error)))")
        }
        let problems = metadata.problems()
        guard problems.isEmpty else {
            throw CheckpointError(file: path.path, problem: .invalidMetadata, detail: problems.joined(separator: "; "))
        }
        return metadata
    }

    /// Loads and cross-checks both files at `location`.
    public static func load(from location: URL) throws -> Checkpoint {
        let paths = CheckpointPaths(location)
        let metadata = try loadMetadata(from: location)
        guard let manifest = metadata.weights else {
            throw CheckpointError(
                file: paths.metadata.path, problem: .invalidMetadata,
                detail: "has no weights manifest; it was not written by CheckpointStore.save")
        }
        let weightsURL = paths.metadata.deletingLastPathComponent().appendingPathComponent(manifest.file)
        let weightsPath = weightsURL.path
        guard FileManager.default.fileExists(atPath: weightsPath) else {
            throw CheckpointError(
                file: weightsPath, problem: .missing,
                detail: "weights file named by \(paths.metadata.lastPathComponent) not found; copy both files of a checkpoint together")
        }
        let data: Data
        do {
            data = try Data(contentsOf: weightsURL)
        } catch {
            throw CheckpointError(file: weightsPath, problem: .unreadable, detail: "cannot be read (\(error.localizedDescription))")
        }
        if data.count < manifest.byteCount {
            throw CheckpointError(
                file: weightsPath, problem: .truncated,
                detail: "has \(data.count) bytes but the metadata records \(manifest.byteCount); the file is truncated (an interrupted copy?)")
        }
        let file: SafetensorsFile
        do {
            file = try Safetensors.decode(data, file: weightsPath)
        } catch let error as SafetensorsError {
            let problem: CheckpointError.Problem = error.problem == .truncated ? .truncated : .invalidWeights
            throw CheckpointError(file: weightsPath, problem: problem, detail: error.detail)
        }
        if let identifier = file.metadata[identifierKey], identifier != manifest.checkpointID {
            throw CheckpointError(
                file: weightsPath, problem: .mismatched,
                detail: "belongs to checkpoint \(identifier) but \(paths.metadata.lastPathComponent) describes \(manifest.checkpointID); the two files come from different saves")
        }
        guard data.count == manifest.byteCount, hex(CRC32.checksum(data)) == manifest.crc32 else {
            throw CheckpointError(
                file: weightsPath, problem: .corrupted,
                detail: "does not match its metadata (size \(data.count) vs \(manifest.byteCount) bytes, CRC-32 \(hex(CRC32.checksum(data))) vs \(manifest.crc32)); the file was altered or damaged")
        }
        let shapes = Dictionary(uniqueKeysWithValues: file.tensors.map { ($0.name, $0.shape) })
        guard shapes == manifest.tensors else {
            throw CheckpointError(
                file: weightsPath, problem: .mismatched,
                detail: "holds tensors \(shapes.keys.sorted()) but the metadata lists \(manifest.tensors.keys.sorted()) or other shapes")
        }
        return Checkpoint(metadata: metadata, tensors: file.tensors)
    }

    private static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 8 - digits.count) + digits
    }

    private static func describe(_ error: Error) -> String {
        switch error {
        case let DecodingError.keyNotFound(key, context):
            return "missing field '\((context.codingPath + [key]).map(\.stringValue).joined(separator: "."))'"
        case let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context):
            return "field '\(context.codingPath.map(\.stringValue).joined(separator: "."))': \(context.debugDescription)"
        case let DecodingError.dataCorrupted(context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return path.isEmpty ? "not valid JSON" : "field '\(path)': \(context.debugDescription)"
        default:
            return "\(error)"
        }
    }
}
