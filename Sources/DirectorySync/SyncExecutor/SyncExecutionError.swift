/// Why a plan was not applied at all. Nothing was changed. Branch on ``code``; the
/// ``description`` names the cause and the fix.
public struct SyncExecutionError: DirectorySyncError {
    /// The stable codes of this error (``ErrorCode``); each is a static constant.
    public typealias Code = ErrorCode<SyncExecutionError>

    /// Why the plan was not applied.
    public var code: Code
    /// The cause.
    public var detail: String
    /// What to do.
    public var fix: String
    /// For `deletionGuardExceeded`, the limits the plan goes over.
    public var violations: [DeletionGuard.Violation]

    /// Creates an error.
    /// - Parameters:
    ///   - code: Why the plan was not applied.
    ///   - detail: The cause.
    ///   - fix: What to do.
    ///   - violations: The deletion guard's limits the plan goes over.
    public init(_ code: Code, detail: String, fix: String, violations: [DeletionGuard.Violation] = []) {
        self.code = code
        self.detail = detail
        self.fix = fix
        self.violations = violations
    }

    /// The plan removes more than the deletion guard allows.
    /// - Parameter violations: The limits it goes over.
    /// - Returns: The error.
    public static func deletionGuardExceeded(_ violations: [DeletionGuard.Violation]) -> SyncExecutionError {
        SyncExecutionError(
            .deletionGuardExceeded,
            detail: "The plan exceeds the deletion guard (\(violations.map(\.description).joined(separator: "; "))), so nothing was changed",
            fix: "Check the filter and the directory read; if the removals are intended, apply again allowing them, or raise the limits.",
            violations: violations)
    }
}

extension ErrorCode where Area == SyncExecutionError {
    /// The plan removes more than the deletion guard allows; see ``SyncExecutionError/violations``.
    public static let deletionGuardExceeded = Self(rawValue: "deletionGuardExceeded")
}
