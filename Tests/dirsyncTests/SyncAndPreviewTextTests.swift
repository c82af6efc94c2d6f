@testable import DirectorySync
@testable import dirsync
import Foundation
import Testing

@Suite("dirsync: what sync and preview print")
struct SyncAndPreviewTextTests {
    static func record(_ outcome: RunRecord.Outcome, succeeded: Int = 1, users: Int = 1, groups: Int = 2) -> RunRecord {
        RunRecord(
            id: "run-1", sourceID: "contoso", trigger: .manual, startedAt: Date(timeIntervalSince1970: 0), endedAt: Date(timeIntervalSince1970: 1),
            readKind: .incremental(changes: 1), outcome: outcome, succeeded: succeeded, failed: 0, usersSynchronized: users,
            groupsSynchronized: groups, requests: 1)
    }

    @Test("each outcome says what happened first, with the right nouns", arguments: [
        (RunRecord.Outcome.succeeded, "Synchronized 'Contoso': read incremental (1 change), 1 operation applied, 0 failed; 1 user and 2 groups synchronized."),
        (.partiallyFailed, "Synchronized 'Contoso' in part: read incremental (1 change), 1 operation applied, 0 failed; 1 user and 2 groups synchronized. The next synchronization retries what failed."),
        (.needsConfirmation(["1 user of 3 would be removed, disabled or set pending removal (limit: at most 0)"]), "Stopped by the deletion guard: the synchronization of 'Contoso' needs confirmation; nothing was changed (read incremental (1 change))."),
        (.cancelled, "The synchronization of 'Contoso' was cancelled: read incremental (1 change), 1 operation applied, 0 failed; 1 user and 2 groups synchronized. The next synchronization completes it."),
        (.failed("network: timed out."), "The synchronization of 'Contoso' failed; nothing was applied (read incremental (1 change))."),
    ])
    func syncText(outcome: RunRecord.Outcome, first: String) {
        let failed: Bool = if case .failed = outcome { true } else { false }
        let lines = SyncCommand.text(Self.record(outcome, succeeded: failed ? 0 : 1), name: "Contoso")
        #expect(lines.first == first)
        if case .needsConfirmation = outcome {
            #expect(lines == [first, "  1 user of 3 would be removed, disabled or set pending removal (limit: at most 0)", #"Check the filter, or apply the removals with: sync --source "Contoso" --confirm-removals"#])
        }
        #expect(!lines.joined().contains("Synchronized") || outcome == .succeeded || outcome == .partiallyFailed)
    }

    @Test("a run that failed after applying changes (it lost its claim to another replica, or could not keep its tracking) says how many, as its notification does")
    func failedAfterApplying() {
        let lost = "Replica 'web-1' lost its claim on the run of 'contoso' and stopped writing"
        #expect(SyncCommand.text(Self.record(.failed(lost), succeeded: 3), name: "Contoso") == [
            "The synchronization of 'Contoso' failed after 3 operations were applied (read incremental (1 change)).", "  \(lost)",
        ])
        #expect(SyncCommand.text(Self.record(.failed("x"), succeeded: 1), name: "Contoso").first?.contains("after 1 operation was applied") == true)
    }

    @Test("sync text escapes the source's name and the failure's message")
    func syncTextEscapes() {
        let lines = SyncCommand.text(Self.record(.failed("bad\u{1B}[2J\nline"), succeeded: 0), name: "Con\u{1B}]0;x\u{07}toso")
        #expect(!lines.joined().contains("\u{1B}"))
        #expect(lines == [#"The synchronization of 'Con\u{1B}]0;x\u{7}toso' failed; nothing was applied (read incremental (1 change))."#, #"  bad\u{1B}[2J\nline"#])
    }

    @Test("a preview line escapes the subject, the group, the changes and the reason")
    func previewLine() {
        let record = PreviewRecord(
            action: .update, objectKind: .user, subject: "ann\u{1B}[2J@contoso.com", group: "Sales\nAdmins", groupID: nil, externalID: "e-1",
            identityID: nil, attributes: [:], changes: [FieldChange(field: "name", old: "Ann", new: "Ann\u{202E}nimda")], code: "update",
            reason: "the name changed\u{85}")
        let line = PreviewText.line(record)
        #expect(!line.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x0A || $0.value == 0x85 || $0.value == 0x202E })
        #expect(line.contains(#"ann\u{1B}[2J@contoso.com → Sales\nAdmins"#))
        #expect(line.contains(#"Ann\u{202E}nimda"#) && line.hasSuffix(#"(the name changed\u{85})"#))
    }
}
