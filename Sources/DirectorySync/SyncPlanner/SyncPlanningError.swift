/// Why no plan could be made. Nothing was changed. Branch on ``code``; the ``description`` names
/// the cause and the fix.
public struct SyncPlanningError: DirectorySyncError {
    /// The stable codes of this error (``ErrorCode``); each is a static constant.
    public typealias Code = ErrorCode<SyncPlanningError>

    /// Why no plan was made.
    public var code: Code
    /// The cause.
    public var detail: String
    /// What to do.
    public var fix: String
    private var storedUnderlying: UnderlyingError

    /// The error that caused this one (the ``FilterError`` of `invalidFilter`).
    public var underlying: (any Error)? { storedUnderlying.error }

    /// Creates an error.
    /// - Parameters:
    ///   - code: Why no plan was made.
    ///   - detail: The cause.
    ///   - fix: What to do.
    ///   - underlying: The error that caused this one.
    public init(_ code: Code, detail: String, fix: String, underlying: (any Error)? = nil) {
        self.code = code
        self.detail = detail
        self.fix = fix
        storedUnderlying = UnderlyingError(underlying)
    }

    /// The directory read did not finish.
    public static let incompleteRead = SyncPlanningError(
        .incompleteRead, detail: "The directory read did not finish, so no plan was made and nothing was changed",
        fix: "Run the synchronization again once the directory can be read completely.")

    /// Staged deletion was asked for without the current time.
    public static let missingTime = SyncPlanningError(
        .missingTime, detail: "The removal policy disableThenRemove dates pending removals, but the plan request has no current time",
        fix: "Pass the host clock's time as SyncPlanRequest.now (SourceSynchronizer, DirectoryService and PreviewGenerator do).")

    /// The source's filter breaks a rule.
    /// - Parameter error: The rule broken; it becomes the underlying error.
    /// - Returns: The error.
    public static func invalidFilter(_ error: FilterError) -> SyncPlanningError {
        SyncPlanningError(.invalidFilter, detail: "The source's filter is invalid: \(error.detail)", fix: error.fix, underlying: error)
    }
}

extension ErrorCode where Area == SyncPlanningError {
    /// The directory read did not finish; planning it could turn missing objects into removals.
    public static let incompleteRead = Self(rawValue: "incompleteRead")
    /// The source's filter breaks a rule; the ``FilterError`` is the underlying error.
    public static let invalidFilter = Self(rawValue: "invalidFilter")
    /// Staged deletion needs ``SyncPlanRequest/now``, and the request has none.
    public static let missingTime = Self(rawValue: "missingTime")
}
