/// What applying a plan did: one result per operation, in the plan's order.
public struct SyncReport: Hashable, Codable, Sendable {
    /// The source the plan was for.
    public var sourceID: SourceID
    /// One result per operation of the plan, in the same order.
    public var results: [SyncOperationResult]
    /// Whether the run was cancelled before every operation ran.
    public var wasCancelled: Bool

    /// Creates a report.
    /// - Parameters:
    ///   - sourceID: The source.
    ///   - results: One result per operation.
    ///   - wasCancelled: Whether the run was cancelled.
    public init(sourceID: SourceID, results: [SyncOperationResult], wasCancelled: Bool) {
        self.sourceID = sourceID
        self.results = results
        self.wasCancelled = wasCancelled
    }

    /// Operations that succeeded.
    public var succeeded: Int { results.count { $0.outcome == .succeeded } }
    /// Operations that failed or were skipped because one they depend on failed.
    public var failed: [SyncOperationResult] {
        results.filter {
            switch $0.outcome {
            case .failed, .skipped: true
            case .succeeded, .notStarted: false
            }
        }
    }
    /// Operations that never started (the run was cancelled).
    public var notStarted: Int { results.count { $0.outcome == .notStarted } }
    /// Whether every operation succeeded.
    public var isSuccess: Bool { !wasCancelled && results.allSatisfy { $0.outcome == .succeeded } }
}

/// One operation and what became of it.
public struct SyncOperationResult: Hashable, Codable, Sendable, CustomStringConvertible {
    /// The operation.
    public var operation: SyncOperation
    /// What became of it.
    public var outcome: Outcome

    /// What became of an operation.
    public enum Outcome: Hashable, Codable, Sendable {
        /// The store accepted it.
        case succeeded
        /// The store refused it; `code` is the ``IdentityStoreError`` code when there is one.
        case failed(code: IdentityStoreError.Code?, message: String)
        /// Not attempted because an operation it depends on failed (for example the user was not created).
        case skipped(String)
        /// Not attempted because the run was cancelled.
        case notStarted
    }

    /// Creates a result.
    /// - Parameters:
    ///   - operation: The operation.
    ///   - outcome: What became of it.
    public init(operation: SyncOperation, outcome: Outcome) {
        self.operation = operation
        self.outcome = outcome
    }

    /// The operation and its outcome in words.
    public var description: String {
        switch outcome {
        case .succeeded: "\(operation): done"
        case .failed(_, let message): "\(operation): failed: \(message)"
        case .skipped(let why): "\(operation): skipped: \(why)"
        case .notStarted: "\(operation): not started"
        }
    }
}
