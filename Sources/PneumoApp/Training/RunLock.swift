#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// An exclusive claim on a run folder, held while a training writes into it, so that two
/// runs given the same folder cannot overwrite each other's checkpoints and history.
///
/// An advisory `flock` on a file inside the folder: the kernel drops it when the descriptor
/// closes, on exit or crash included, so a stale lock never outlives its process.
public final class RunLock {
    /// The lock file's name inside the run folder.
    public static let fileName = ".pneumo-train.lock"

    /// The run folder claimed.
    public let folder: URL
    private let descriptor: Int32

    /// Claims `folder` (created, with missing parents, when absent); throws at once when another
    /// training holds it.
    public init(folder: URL) throws {
        self.folder = folder
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw TrainingError.invalidOption(
                "cannot create the run folder \(folder.path) (\((error as NSError).localizedDescription)); choose another --out")
        }
        let path = folder.appendingPathComponent(Self.fileName).path
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw TrainingError.invalidOption("cannot open the lock file \(path) (\(String(cString: strerror(errno)))); check the folder's permissions")
        }
        // flock locks belong to the open file description, so even a second claim from this
        // same process conflicts with the first.
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            let failure = errno
            if failure == EINTR { continue }
            close(descriptor)
            if failure == EWOULDBLOCK { throw TrainingError.runFolderInUse(folder) }
            throw TrainingError.invalidOption("cannot lock \(path) (\(String(cString: strerror(failure)))); check the folder's permissions")
        }
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }
}
