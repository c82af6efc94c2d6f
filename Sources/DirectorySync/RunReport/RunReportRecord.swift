import Foundation

/// What one run did to one object, and why: the preview's record of the operation (or of the
/// conflict, skip or warning) with what became of it.
///
/// JSON: the preview record's fields (`action`, `objectKind`, `subject`, `externalID`,
/// `identityID`, `changes`, `code`, `reason`, …) with `outcome` and, when it failed or was not
/// attempted, `errorCode` and `error` — the same field names where a report and a preview mean the
/// same thing.
public struct RunReportRecord: Hashable, Sendable, Codable {
    /// What became of a planned operation.
    /// (Saved reports store an outcome by its place in this list: add new ones at the end.)
    public enum Outcome: String, Hashable, Sendable, Codable, CaseIterable {
        /// The store took the write.
        case applied
        /// The store refused the write (``RunReportRecord/errorCode`` and ``RunReportRecord/error`` say why).
        case failed
        /// Never tried: the run was cancelled, or an operation it depends on failed.
        case notAttempted
        /// Held back by the deletion guard: the run applied nothing and waits for confirmation.
        case heldBack
        /// A conflict, skip or warning the plan reported; nothing was written for it.
        case reported
    }

    /// The object, the action and its reason, as a preview shows them.
    public var record: PreviewRecord
    /// What became of it.
    public var outcome: Outcome
    /// The store's error code (an ``IdentityStoreError`` code) when the write failed.
    public var errorCode: String?
    /// Why the write failed or was not attempted.
    public var error: String?

    /// Creates a record.
    /// - Parameters:
    ///   - record: The object, the action and its reason.
    ///   - outcome: What became of it.
    ///   - errorCode: The store's error code, when the write failed.
    ///   - error: Why the write failed or was not attempted.
    public init(_ record: PreviewRecord, outcome: Outcome, errorCode: String? = nil, error: String? = nil) {
        self.record = record
        self.outcome = outcome
        self.errorCode = errorCode
        self.error = error
    }

    private enum CodingKeys: String, CodingKey {
        case action, objectKind, subject, group, groupID, externalID, identityID, attributes, changes, code, reason, removalPendingUntil, outcome,
            errorCode, error
    }

    /// Decodes the preview record's fields and the outcome's from one object. The saved form
    /// leaves out what it can rebuild — empty `attributes` and `changes`, and a `reason` that is
    /// the sentence of its `code` — so those may be missing.
    /// - Parameter decoder: The decoder.
    /// - Throws: `DecodingError`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let code = try container.decode(String.self, forKey: .code)
        guard let reason = try container.decodeIfPresent(String.self, forKey: .reason) ?? SyncReason(rawValue: code)?.explanation else {
            throw DecodingError.keyNotFound(CodingKeys.reason, .init(codingPath: container.codingPath, debugDescription: "no reason for the code '\(code)'"))
        }
        let record = PreviewRecord(
            action: try container.decode(PreviewRecord.Action.self, forKey: .action), objectKind: try container.decode(PreviewRecord.ObjectKind.self, forKey: .objectKind),
            subject: try container.decode(String.self, forKey: .subject), group: try container.decodeIfPresent(String.self, forKey: .group),
            groupID: try container.decodeIfPresent(IdentityID.self, forKey: .groupID), externalID: try container.decodeIfPresent(String.self, forKey: .externalID),
            identityID: try container.decodeIfPresent(IdentityID.self, forKey: .identityID),
            attributes: try container.decodeIfPresent([String: String].self, forKey: .attributes) ?? [:],
            changes: try container.decodeIfPresent([FieldChange].self, forKey: .changes) ?? [], code: code, reason: reason,
            removalPendingUntil: try container.decodeIfPresent(Date.self, forKey: .removalPendingUntil))
        self.init(
            record, outcome: try container.decode(Outcome.self, forKey: .outcome), errorCode: try container.decodeIfPresent(String.self, forKey: .errorCode),
            error: try container.decodeIfPresent(String.self, forKey: .error))
    }

    /// The designed JSON, written straight into bytes (exports of a million records): the same
    /// bytes `JSONEncoder` with sorted keys writes.
    func appendJSON(to output: inout [UInt8]) {
        record.appendJSON(to: &output, extra: .init(outcome: outcome.rawValue, errorCode: errorCode, error: error))
    }

    /// Encodes the preview record's fields and the outcome's in one object.
    /// - Parameter encoder: The encoder.
    /// - Throws: The encoder's errors.
    public func encode(to encoder: any Encoder) throws {
        try record.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(outcome, forKey: .outcome)
        try container.encodeIfPresent(errorCode, forKey: .errorCode)
        try container.encodeIfPresent(error, forKey: .error)
    }
}

extension RunReportRecord {
    /// The records of a run, in the plan's order (operations, then the issues).
    /// - Parameters:
    ///   - plan: The plan the run made.
    ///   - outcomes: What became of each operation, in the plan's order (``SyncReport/Results/outcomes``);
    ///     `nil` when nothing was applied (`heldBack` then says why).
    ///   - heldBack: Whether the deletion guard stopped the run.
    /// - Returns: The records, lazily.
    package static func records(plan: SyncPlan, outcomes: [SyncOperationResult.Outcome]?, heldBack: Bool) -> some Sequence<RunReportRecord> {
        zip(planned(plan), self.outcomes(plan: plan, outcomes: outcomes, heldBack: heldBack)).lazy.map { record, outcome in
            RunReportRecord(record, outcome: outcome.0, errorCode: outcome.1, error: outcome.2)
        }
    }

    /// What a plan holds, record by record: its operations, then its issues — made as they are
    /// read, so that a report of a million operations is never in memory twice.
    package static func planned(_ plan: SyncPlan) -> LazyMapSequence<Range<Int>, PreviewRecord> {
        let (operations, issues) = (plan.operations, plan.issues)
        return (0..<(operations.count + issues.count)).lazy.map { position in
            position < operations.count ? PreviewRecord(operations[position]) : PreviewRecord(issues[position - operations.count])
        }
    }

    /// Each record's outcome, error code and message, in the order of ``planned(_:)``.
    package static func outcomes(
        plan: SyncPlan, outcomes: [SyncOperationResult.Outcome]?, heldBack: Bool
    ) -> LazyMapSequence<Range<Int>, (Outcome, String?, String?)> {
        let operations = plan.operations.count
        return (0..<(operations + plan.issues.count)).lazy.map { position -> (Outcome, String?, String?) in
            guard position < operations else { return (.reported, nil, nil) }
            guard let outcomes, position < outcomes.count else {
                return heldBack ? (.heldBack, nil, "over the deletion guard; confirm the removals to apply the plan") : (.notAttempted, nil, "the run ended before it")
            }
            switch outcomes[position] {
            case .succeeded: return (.applied, nil, nil)
            case .failed(let code, let message): return (.failed, code?.rawValue, message)
            case .skipped(let why): return (.notAttempted, nil, why)
            case .notStarted: return (.notAttempted, nil, "the run was cancelled before it")
            }
        }
    }
}
