import Foundation
import PneumoData

/// A file `pneumo export --format pixels` could not decode.
public struct InputPixelsError: Error, CustomStringConvertible, Equatable {
    public let file: String
    public let reason: String

    public var description: String { "cannot decode \(file): \(reason); pass only JPEG files that pneumo predict accepts" }
}

/// Writes the exported model's input for given image files: each decoded and resized exactly as
/// `pneumo predict` decodes it, as a uint8 [N, 1, S, S] `.npy` array in the order given. With it
/// another runtime can be checked against pneumo on the very same pixels.
public enum InputPixelsExport {
    /// Decodes `files` at the side of the checkpoint at `location` and writes them to `output`
    /// atomically; returns the side.
    public static func export(files: [URL], checkpointAt location: URL, to output: URL) throws -> Int {
        guard !files.isEmpty else { throw EvaluationError.invalidOption("no image file was given to export pixels for") }
        let side = try ExportSource.load(from: location).input.size
        let plane = side * side
        var pixels = [UInt8](repeating: 0, count: files.count * plane)
        let failures = pixels.withUnsafeMutableBufferPointer {
            ParallelDecoding.decode(files, preprocessing: ImagePreprocessing(side: side), into: $0)
        }
        if let (index, failure) = failures.enumerated().first(where: { $0.element != nil }).map({ ($0.offset, $0.element!) }) {
            switch failure.reason {
            case let .unreadable(why): throw InputPixelsError(file: files[index].path, reason: "cannot read: \(why)")
            case let .decode(error): throw InputPixelsError(file: files[index].path, reason: "\(error)")
            }
        }
        try AtomicFile.write(NPYFile.uint8(shape: [files.count, 1, side, side], values: pixels), to: output)
        return side
    }
}
