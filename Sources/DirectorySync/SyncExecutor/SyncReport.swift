/// What applying a plan did: one result per operation, in the plan's order.
public struct SyncReport: Hashable, Codable, Sendable {
    /// The source the plan was for.
    public var sourceID: SourceID
    /// One result per operation of the plan, in the same order.
    public var results: Results
    /// Whether the run was cancelled before every operation ran.
    public var wasCancelled: Bool

    /// Creates a report.
    /// - Parameters:
    ///   - sourceID: The source.
    ///   - results: One result per operation.
    ///   - wasCancelled: Whether the run was cancelled.
    public init(sourceID: SourceID, results: [SyncOperationResult], wasCancelled: Bool) {
        self.init(sourceID: sourceID, results: Results(results), wasCancelled: wasCancelled)
    }

    /// Creates a report from results that refer to the plan's operations.
    /// - Parameters:
    ///   - sourceID: The source.
    ///   - results: One result per operation.
    ///   - wasCancelled: Whether the run was cancelled.
    public init(sourceID: SourceID, results: Results, wasCancelled: Bool) {
        self.sourceID = sourceID
        self.results = results
        self.wasCancelled = wasCancelled
    }

    /// Operations that succeeded.
    public var succeeded: Int { results.outcomes.count { $0 == .succeeded } }
    /// Operations that failed or were skipped because one they depend on failed.
    public var failed: [SyncOperationResult] {
        // Outcomes first: only the results that failed are made (each copies its operation).
        results.outcomes.indices.lazy.filter {
            switch results.outcomes[$0] {
            case .failed, .skipped: true
            case .succeeded, .notStarted: false
            }
        }.map { results[$0] }
    }
    /// Operations that never started (the run was cancelled).
    public var notStarted: Int { results.outcomes.count { $0 == .notStarted } }
    /// Whether every operation succeeded.
    public var isSuccess: Bool { !wasCancelled && results.outcomes.allSatisfy { $0 == .succeeded } }

    /// The results of a run: the plan's operations, each with what became of it. The operations
    /// are the plan's own array, shared, not copied — a plan of a million operations reports on
    /// them without a second million.
    ///
    /// JSON: an array of ``SyncOperationResult`` objects, as it has always been.
    public struct Results: RandomAccessCollection, Hashable, Codable, Sendable {
        /// The operations, in the plan's order.
        public let operations: [SyncOperation]
        /// What became of each operation, by position.
        public let outcomes: [SyncOperationResult.Outcome]

        /// Results of the operations.
        /// - Parameters:
        ///   - operations: The operations, in the plan's order (usually the plan's own array).
        ///   - outcomes: What became of each, as many as there are operations.
        public init(operations: [SyncOperation], outcomes: [SyncOperationResult.Outcome]) {
            precondition(operations.count == outcomes.count, "one outcome per operation")
            self.operations = operations
            self.outcomes = outcomes
        }

        /// Results given one by one.
        /// - Parameter results: The results.
        public init(_ results: [SyncOperationResult]) {
            self.init(operations: results.map(\.operation), outcomes: results.map(\.outcome))
        }

        /// The position of the first result.
        public var startIndex: Int { 0 }
        /// The position after the last result.
        public var endIndex: Int { outcomes.count }

        /// The operation at `position` with its outcome.
        /// - Parameter position: A position of the collection.
        public subscript(position: Int) -> SyncOperationResult {
            SyncOperationResult(operation: operations[position], outcome: outcomes[position])
        }

        /// Decodes an array of results.
        /// - Parameter decoder: The decoder.
        /// - Throws: `DecodingError`.
        public init(from decoder: any Decoder) throws {
            self.init(try [SyncOperationResult](from: decoder))
        }

        /// Encodes the results as an array of ``SyncOperationResult`` objects.
        /// - Parameter encoder: The encoder.
        /// - Throws: The encoder's errors.
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.unkeyedContainer()
            for result in self { try container.encode(result) }
        }
    }
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
