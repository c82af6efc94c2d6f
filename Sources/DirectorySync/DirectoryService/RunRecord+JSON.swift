import Foundation

// A run's designed JSON (Documentation/JSON.md). Histories written before it (with a synthesized
// `"outcome": {"succeeded": {}}` and counts keyed by text) are still read, so no history is lost.
extension RunRecord {
    private enum CodingKeys: String, CodingKey {
        case id, source, trigger, startedAt, endedAt, read, outcome, failure, guardViolations, succeeded, failed, summary
        case usersSynchronized, groupsSynchronized, requests
    }

    /// The keys of histories written before the designed form.
    private enum LegacyKeys: String, CodingKey { case sourceID, readKind, outcome, operations, warnings }

    /// Decodes a record, in the designed form or in the form written before it.
    /// - Parameter decoder: The decoder.
    /// - Throws: `DecodingError` when the document is neither.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let legacy = try decoder.container(keyedBy: LegacyKeys.self)
        id = try container.decode(String.self, forKey: .id)
        trigger = try container.decode(SyncTrigger.self, forKey: .trigger)
        startedAt = try container.decode(Date.self, forKey: .startedAt)
        endedAt = try container.decode(Date.self, forKey: .endedAt)
        succeeded = try container.decode(Int.self, forKey: .succeeded)
        failed = try container.decode(Int.self, forKey: .failed)
        usersSynchronized = try container.decode(Int.self, forKey: .usersSynchronized)
        groupsSynchronized = try container.decode(Int.self, forKey: .groupsSynchronized)
        requests = try container.decode(Int.self, forKey: .requests)
        if let name = try? container.decode(String.self, forKey: .outcome) {
            sourceID = try container.decode(SourceID.self, forKey: .source)
            readKind = try container.decodeIfPresent(ReadKind.self, forKey: .read)
            summary = try container.decode(SyncPlan.Summary.self, forKey: .summary)
            switch name {
            case "succeeded": outcome = .succeeded
            case "partiallyFailed": outcome = .partiallyFailed
            case "cancelled": outcome = .cancelled
            case "needsConfirmation": outcome = .needsConfirmation(try container.decodeIfPresent([String].self, forKey: .guardViolations) ?? [])
            case "failed": outcome = .failed(try container.decodeIfPresent(String.self, forKey: .failure) ?? "")
            default:
                throw DecodingError.unknownCase(
                    name, of: "outcome", known: ["succeeded", "partiallyFailed", "needsConfirmation", "cancelled", "failed"], codingPath: container.codingPath)
            }
        } else {
            sourceID = try legacy.decode(SourceID.self, forKey: .sourceID)
            readKind = try legacy.decodeIfPresent(ReadKind.self, forKey: .readKind)
            outcome = try Self.legacyOutcome(legacy.superDecoder(forKey: .outcome))
            summary = try Self.legacySummary(legacy)
        }
    }

    /// Encodes the designed form: `outcome` is a name; `failure` (for `failed`) and
    /// `guardViolations` (for `needsConfirmation`) carry what the outcome held.
    /// - Parameter encoder: The encoder.
    /// - Throws: The encoder's errors.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(sourceID, forKey: .source)
        try container.encode(trigger, forKey: .trigger)
        try container.encode(startedAt, forKey: .startedAt)
        try container.encode(endedAt, forKey: .endedAt)
        try container.encodeIfPresent(readKind, forKey: .read)
        try container.encode(outcome.name, forKey: .outcome)
        switch outcome {
        case .failed(let message): try container.encode(message, forKey: .failure)
        case .needsConfirmation(let violations): try container.encode(violations, forKey: .guardViolations)
        default: break
        }
        try container.encode(succeeded, forKey: .succeeded)
        try container.encode(failed, forKey: .failed)
        try container.encode(summary, forKey: .summary)
        try container.encode(usersSynchronized, forKey: .usersSynchronized)
        try container.encode(groupsSynchronized, forKey: .groupsSynchronized)
        try container.encode(requests, forKey: .requests)
    }

    /// `{"succeeded": {}}`, `{"failed": {"_0": "…"}}`, `{"needsConfirmation": {"_0": […]}}`.
    private static func legacyOutcome(_ decoder: any Decoder) throws -> Outcome {
        let (name, values) = try decoder.synthesizedEnumCase(expected: "an outcome")
        switch name {
        case "succeeded": return .succeeded
        case "partiallyFailed": return .partiallyFailed
        case "cancelled": return .cancelled
        case "failed": return .failed(try values.decode(String.self, forKey: AnyCodingKey("_0")))
        case "needsConfirmation": return .needsConfirmation(try values.decode([String].self, forKey: AnyCodingKey("_0")))
        default:
            throw DecodingError.unknownCase(
                name, of: "outcome", known: ["succeeded", "partiallyFailed", "needsConfirmation", "cancelled", "failed"], codingPath: decoder.codingPath)
        }
    }

    /// Counts keyed by text, from before the typed summary. Those histories kept no severity, so
    /// the codes that were only ever warnings count as warnings and the others as conflicts, as
    /// `status` counted them then.
    private static func legacySummary(_ container: KeyedDecodingContainer<LegacyKeys>) throws -> SyncPlan.Summary {
        var summary = SyncPlan.Summary()
        summary.operations = try SyncPlan.Summary.counts(
            try container.decode([String: Int].self, forKey: .operations), named: "operation kind", in: container, key: LegacyKeys.operations)
        summary.issues = try SyncPlan.Summary.counts(
            try container.decode([String: Int].self, forKey: .warnings), named: "issue code", in: container, key: LegacyKeys.warnings)
        for (code, count) in summary.issues {
            if code == .missingEmail || code == .aliasDropped { summary.warnings += count } else { summary.conflicts += count }
        }
        return summary
    }
}
