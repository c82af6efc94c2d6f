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
    ///
    /// JSON: `{"kind": "succeeded"}`, `{"kind": "failed", "code": "addressInUse", "message": "…"}`
    /// (`code` only when there is one), `{"kind": "skipped", "reason": "…"}` or `{"kind": "notStarted"}`.
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

extension SyncOperationResult.Outcome {
    private enum CodingKeys: String, CodingKey { case kind, code, message, reason }

    /// Decodes the designed form (see ``SyncOperationResult/Outcome``), or the form saved before it
    /// (`{"succeeded": {}}`, `{"skipped": {"_0": "…"}}`).
    /// - Parameter decoder: The decoder.
    /// - Throws: `DecodingError` when the value is neither.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: AnyCodingKey.self)
        let name: String
        let values: KeyedDecodingContainer<AnyCodingKey>
        let reasonKey: String
        if let kind = try container.decodeIfPresent(String.self, forKey: AnyCodingKey("kind")) {
            (name, values, reasonKey) = (kind, container, "reason")
        } else {
            let legacy = try decoder.synthesizedEnumCase(expected: "an outcome with a \"kind\"")
            (name, values, reasonKey) = (legacy.name, legacy.values, "_0")
        }
        switch name {
        case "succeeded": self = .succeeded
        case "failed":
            self = .failed(
                code: try values.decodeIfPresent(IdentityStoreError.Code.self, forKey: AnyCodingKey("code")),
                message: try values.decode(String.self, forKey: AnyCodingKey("message")))
        case "skipped": self = .skipped(try values.decode(String.self, forKey: AnyCodingKey(reasonKey)))
        case "notStarted": self = .notStarted
        default:
            throw DecodingError.unknownCase(name, of: "outcome", known: ["succeeded", "failed", "skipped", "notStarted"], codingPath: decoder.codingPath)
        }
    }

    /// Encodes the designed form (see ``SyncOperationResult/Outcome``).
    /// - Parameter encoder: The encoder.
    /// - Throws: The encoder's errors.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .succeeded: try container.encode("succeeded", forKey: .kind)
        case .failed(let code, let message):
            try container.encode("failed", forKey: .kind)
            try container.encodeIfPresent(code, forKey: .code)
            try container.encode(message, forKey: .message)
        case .skipped(let reason):
            try container.encode("skipped", forKey: .kind)
            try container.encode(reason, forKey: .reason)
        case .notStarted: try container.encode("notStarted", forKey: .kind)
        }
    }
}
