import Foundation

/// Which records of a run's report to show: by action, outcome, object kind and subject. An empty
/// set or `nil` lets everything through.
public struct RunReportFilter: Hashable, Sendable {
    /// The actions to keep (`create`, `update`, `remove`, `conflict` …).
    public var actions: Set<PreviewRecord.Action>
    /// The outcomes to keep.
    public var outcomes: Set<RunReportRecord.Outcome>
    /// The object kinds to keep.
    public var objectKinds: Set<PreviewRecord.ObjectKind>
    /// Text the subject (UPN, email or group name) must contain, case-insensitively.
    public var subjectContains: String?

    /// Creates a filter.
    /// - Parameters:
    ///   - actions: The actions to keep; empty keeps all.
    ///   - outcomes: The outcomes to keep; empty keeps all.
    ///   - objectKinds: The object kinds to keep; empty keeps all.
    ///   - subjectContains: Text the subject must contain, case-insensitively.
    public init(
        actions: Set<PreviewRecord.Action> = [], outcomes: Set<RunReportRecord.Outcome> = [], objectKinds: Set<PreviewRecord.ObjectKind> = [],
        subjectContains: String? = nil
    ) {
        self.actions = actions
        self.outcomes = outcomes
        self.objectKinds = objectKinds
        self.subjectContains = subjectContains
    }

    /// Whether a record passes.
    /// - Parameter record: The record.
    /// - Returns: `true` when it passes every part of the filter.
    public func matches(_ record: RunReportRecord) -> Bool {
        (actions.isEmpty || actions.contains(record.record.action)) && (outcomes.isEmpty || outcomes.contains(record.outcome))
            && (objectKinds.isEmpty || objectKinds.contains(record.record.objectKind))
            && (subjectContains.map { $0.isEmpty || record.record.subject.range(of: $0, options: .caseInsensitive) != nil } ?? true)
    }
}
