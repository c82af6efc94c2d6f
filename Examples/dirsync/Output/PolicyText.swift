import DirectorySync
import Foundation

/// A source's policies as `policy show` prints them: in the words `policy set` takes, so what is
/// shown can be typed back.
enum PolicyText {
    /// `disable-then-remove` for `disableThenRemove`, and the other names as they are.
    static func removal(_ name: String) -> String {
        PolicyChange.removals.first { $0.value == name }?.key ?? name
    }

    /// `7d`, `36h`, `90m` or `45s`: the largest unit that divides the duration.
    static func grace(_ duration: Duration) -> String {
        let seconds = duration.components.seconds
        for (unit, size) in [("d", Int64(86_400)), ("h", 3_600), ("m", 60)] where seconds != 0 && seconds % size == 0 {
            return "\(seconds / size)\(unit)"
        }
        return "\(seconds)s"
    }

    /// `500,20%`, `500`, `20%` or `off`.
    static func limit(_ threshold: DeletionGuard.Threshold) -> String {
        let percentage = threshold.maximumPercentage.map { value in
            (value == value.rounded() ? String(Int(value)) : String(value)) + "%"
        }
        let parts = [threshold.maximumCount.map(String.init), percentage].compactMap { $0 }
        return parts.isEmpty ? "off" : parts.joined(separator: ",")
    }

    /// One line: `removal disable-then-remove (grace 7d), missing email sync, deletion guard users 500,20%, groups 100,20%, memberships 5000,30%`.
    static func summary(_ settings: SyncSettings) -> String {
        let removal = removal(settings.outOfScope.name) + (settings.outOfScope.grace.map { " (grace \(grace($0)))" } ?? "")
        let guardText = settings.deletionGuard
        return "removal \(removal), missing email \(settings.missingEmail == .skip ? "skip" : "sync"), deletion guard users \(limit(guardText.users)), "
            + "groups \(limit(guardText.groups)), memberships \(limit(guardText.memberships))"
    }

    /// The lines of `policy show`.
    static func lines(_ source: Source) -> [String] {
        let settings = source.settings
        let rows: [(String, String)] = [
            ("--removal", removal(settings.outOfScope.name)),
            ("--grace", settings.outOfScope.grace.map(grace) ?? "-"),
            ("--missing-email", settings.missingEmail == .skip ? "skip" : "sync"),
            ("--guard-users", limit(settings.deletionGuard.users)),
            ("--guard-groups", limit(settings.deletionGuard.groups)),
            ("--guard-memberships", limit(settings.deletionGuard.memberships)),
        ]
        let width = rows.map(\.0.count).max() ?? 0
        var lines = ["Policies of '\(Terminal.safe(source.name))' (change them with: policy set --source \"\(Terminal.safe(source.name))\" …):"]
        lines += rows.map { "  \($0.0.padding(toLength: width + 2, withPad: " ", startingAt: 0))\($0.1)" }
        let from = Set([settings.deletionGuard.users, settings.deletionGuard.groups, settings.deletionGuard.memberships].map(\.percentageAppliesFrom))
        lines.append(
            "The deletion guard stops a run that removes more than the count, or more than the percentage of what the source owns"
                + (from.count == 1 ? " (the percentage counts from \(from.first!) removals on)." : "."))
        return lines
    }
}
