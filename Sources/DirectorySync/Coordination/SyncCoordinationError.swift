/// Coordination between replicas failed: a run lost its claim, the coordinator cannot be reached,
/// or a lock was lost while held. Branch on ``code``; the ``description`` names the cause and the fix.
public struct SyncCoordinationError: DirectorySyncError {
    /// The stable codes of this error (``ErrorCode``); each is a static constant.
    public typealias Code = ErrorCode<SyncCoordinationError>

    /// What went wrong.
    public var code: Code
    /// What happened, naming the source, lock or replica concerned.
    public var detail: String
    /// What to do.
    public var fix: String
    private var storedUnderlying: UnderlyingError

    /// The error that caused this one, when there is one.
    public var underlying: (any Error)? { storedUnderlying.error }

    /// Creates an error.
    /// - Parameters:
    ///   - code: What went wrong.
    ///   - detail: What happened.
    ///   - fix: What to do.
    ///   - underlying: The error that caused this one.
    public init(_ code: Code, _ detail: String, fix: String, underlying: (any Error)? = nil) {
        self.code = code
        self.detail = detail
        self.fix = fix
        storedUnderlying = UnderlyingError(underlying)
    }

    /// `true` for every code: a lost claim or lock ends one run (another replica runs the source,
    /// or the next run does), and a coordinator that was unreachable answers again.
    public var healsByItself: Bool { true }

    /// The run lost its claim on the source: the claim's lease expired (the replica was paused,
    /// cut off or too slow) or another replica took the source over. The run wrote nothing after.
    /// - Parameters:
    ///   - source: The source.
    ///   - replica: The replica that lost the claim.
    /// - Returns: The error.
    public static func claimLost(_ source: SourceID, replica: String) -> SyncCoordinationError {
        SyncCoordinationError(
            .claimLost, "Replica '\(replica)' lost its claim on the run of '\(source)' and stopped writing",
            fix: "Nothing to do: another replica or the next run completes the source; if it happens often, lengthen the lease or find what pauses the replica.")
    }
}

extension ErrorCode where Area == SyncCoordinationError {
    /// The run's claim on its source was lost (lease expired, or another replica took over); the
    /// run stopped writing.
    public static let claimLost = Self(rawValue: "claimLost")
    /// The coordinator (etcd) cannot be reached or did not answer in time.
    public static let unavailable = Self(rawValue: "unavailable")
    /// A lock was lost while held (its lease expired).
    public static let lockLost = Self(rawValue: "lockLost")
}
