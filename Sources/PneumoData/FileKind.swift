/// What a path is after following symbolic links, as a folder walk needs to know it.
public enum FileKind: Equatable, Sendable {
    case regular
    case directory(FolderIdentity)
    /// A named pipe, socket or device: opening one can block forever, so it is never read.
    case special(String)
    case missing
    case brokenLink
    case linkLoop
    case unreadable(String)

    /// Why an entry of this kind cannot be used as an image file; nil for regular files and folders.
    public var problem: String? {
        switch self {
        case .regular, .directory: return nil
        case let .special(what): return "not a regular file (\(what)), not read"
        case .missing: return "does not exist"
        case .brokenLink: return "broken symbolic link: its target does not exist"
        case .linkLoop: return "symbolic link loop: the link leads back to itself"
        case let .unreadable(why): return "cannot be examined: \(why)"
        }
    }
}

/// Identifies one folder on disk however it was reached, so a walk sees each folder once.
public struct FolderIdentity: Hashable, Sendable {
    public let device: UInt64
    public let inode: UInt64

    public init(device: UInt64, inode: UInt64) {
        self.device = device
        self.inode = inode
    }
}
