// The planner before issue 20, kept verbatim (types renamed) until the new one has proven equal
// (ReferencePlannerDifferentialTests); remove it with that test.
@testable import DirectorySync
import Foundation

extension ReferencePlanBuilder {
    /// What becomes of one of the source's identities that left the scope (the first one linked to
    /// its directory object; second links are removed under every policy).
    enum OutOfScopeFate {
        /// Removed now, for this reason (`remove`; staged deletion once the grace has ended).
        case remove(SyncReason)
        /// Disabled for good (`disable`; groups, which cannot be disabled, are removed).
        case disable
        /// Left as it is, memberships included (`never`).
        case keep
        /// Kept — a user disabled — until `until` (staged deletion); `isNew` when this plan is the
        /// first to find it out of scope.
        case pending(until: Date, isNew: Bool)
    }

    /// The identity's fate under the source's removal policy. Under staged deletion the entry
    /// remembered for it (or a new one dated now) is added to ``pendingRemovals`` — also when its
    /// grace has ended, so a removal that fails is retried by the next run.
    mutating func fate(ofOutOfScope kind: SyncIssue.ObjectKind, _ id: IdentityID, externalID: String) -> OutOfScopeFate {
        switch settings.outOfScope {
        case .remove: return .remove(.leftScope)
        case .disable: return kind == .user ? .disable : .remove(.leftScope)
        case .never: return .keep
        case .disableThenRemove(let grace):
            let known = remembered[id].flatMap { $0.objectKind == kind && $0.externalID == externalID ? $0 : nil }
            let entry = known ?? PendingRemoval(objectKind: kind, identityID: id, externalID: externalID, since: now)
            pendingRemovals.append(entry)
            let until = entry.until(grace: grace)
            return now >= until ? .remove(.gracePeriodEnded) : .pending(until: until, isNew: known == nil)
        }
    }

    /// Whether the identity's removal was pending before this plan (a returning identity's
    /// update then says it came back).
    func wasPending(_ id: IdentityID) -> Bool { remembered[id] != nil }

    /// Whether a whole run removes the out-of-scope group now (a focused plan that does not decide
    /// the group asks, to leave its members alone when the group stays).
    func wholeRunRemoves(outOfScopeGroup id: IdentityID, externalID: String) -> Bool {
        switch settings.outOfScope {
        case .remove, .disable: return true
        case .never: return false
        case .disableThenRemove(let grace):
            guard let entry = remembered[id], entry.objectKind == .group, entry.externalID == externalID else { return false }
            return now >= entry.until(grace: grace)
        }
    }

    /// Reports an identity whose removal is pending: a ``SyncIssue/Code/removalPending`` warning
    /// that says since when and until when.
    mutating func reportPending(
        _ kind: SyncIssue.ObjectKind, _ id: IdentityID, externalID: String, subject: String, until: Date, isNew: Bool, disabledNow: Bool
    ) {
        let since = isNew ? now : (remembered[id]?.since ?? now)
        let kept =
            switch kind {
            case .user: disabledNow ? "it is disabled now" : "it stays disabled"
            case .group: "it is kept with its members"
            }
        report(
            .warning, .removalPending, kind, externalID: externalID, subject: subject,
            "It left the scope on \(Self.text(since)): \(kept) and is removed on \(Self.text(until)) unless it returns to the scope before then.",
            related: [id], removalPendingUntil: until)
    }

    /// `2026-03-08T08:00:00Z`.
    static func text(_ date: Date) -> String { date.formatted(Date.ISO8601FormatStyle()) }
}
