/// Why a plan was not applied at all. Nothing was changed.
public enum SyncExecutionError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The plan removes more than the deletion guard allows.
    case deletionGuardExceeded([DeletionGuard.Violation])

    /// The cause and the fix.
    public var description: String {
        switch self {
        case .deletionGuardExceeded(let violations):
            "The plan exceeds the deletion guard (\(violations.map(\.description).joined(separator: "; "))), so nothing was changed. Check the filter and the directory read; if the removals are intended, apply again allowing them, or raise the limits."
        }
    }
}
