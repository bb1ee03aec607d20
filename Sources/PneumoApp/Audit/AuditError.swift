import Foundation

/// Problems of the shortcut audits, said in the command line's terms.
public enum AuditError: Error, CustomStringConvertible, Equatable {
    /// The data hold too little to fit or score the audit.
    case insufficientData(String)
    /// An audit file cannot be read back.
    case unreadableAudit(String, String)

    public var description: String {
        switch self {
        case let .insufficientData(why): return why
        case let .unreadableAudit(path, why): return "cannot read audit \(path): \(why); pass a file written by pneumo audit size or pneumo audit lungs"
        }
    }
}
