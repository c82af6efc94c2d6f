/// Why a plan was not applied at all. Nothing was changed. Branch on ``code``; the
/// ``description`` names the cause and the fix.
public struct SyncExecutionError: DirectorySyncError {
    /// A stable error code. New codes may be added; switch with a `default`.
    public struct Code: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
        /// The code's text.
        public var rawValue: String
        /// Creates a code from its text.
        public init(rawValue: String) { self.rawValue = rawValue }

        /// The plan removes more than the deletion guard allows; see ``SyncExecutionError/violations``.
        public static let deletionGuardExceeded = Code(rawValue: "deletionGuardExceeded")

        /// The code's text.
        public var description: String { rawValue }
    }

    /// Why the plan was not applied.
    public var code: Code
    /// The cause.
    public var detail: String
    /// What to do.
    public var fix: String
    /// For ``Code/deletionGuardExceeded``, the limits the plan goes over.
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
