import DirectorySync
import Foundation

/// `dirsync --state DIR notify set --webhook URL [--token-env VAR] [--events LIST]`: saves where
/// notifications go (replacing the settings saved before); the URL and the token go to the secret
/// store (the token never into an argument: read from VAR, trimmed of surrounding white space, and
/// refused with a control character inside), and only the URL's scheme and host are shown. Every
/// process that synchronizes over DIR afterwards posts to the URL. With etcd state the URL and the
/// token come from every replica's environment (``fromEnvironment(_:url:tokenVariable:)``); etcd
/// keeps the settings only.
enum NotifySetCommand {
    static func run(_ context: AdminContext, _ arguments: inout Arguments) async throws -> Int32 {
        try context.requireOwnership("notify set")
        if try arguments.option("token") != nil {
            throw UsageError("the token is never given as an argument (it would be visible to other users); use --token-env VAR")
        }
        guard let text = try arguments.option("webhook") else { throw UsageError("--webhook URL is required") }
        let variable = try arguments.option("token-env")
        let kinds = try arguments.option("events").map(parseKinds) ?? NotificationKind.allEvents
        try arguments.finish()
        guard let url = URL(string: text), url.scheme != nil else { throw UsageError("--webhook takes an absolute https URL") }
        let token: Secret?
        if let environment = context.secrets as? EnvironmentSecretStore {
            token = try await Self.fromEnvironment(environment, url: url, tokenVariable: variable)
        } else {
            token = try variable.map { try CredentialOptions.environmentSecret($0, holding: "token") }
        }
        let saved = try await context.service.setNotificationSettings(webhookURL: url, kinds: kinds, token: token)
        if context.json {
            try context.printJSON(saved)
            return 0
        }
        let kept = token == nil ? "the whole URL is" : "the whole URL and the token are"
        print("Saved: notifications go to \(Terminal.safe(saved.webhook))\(token == nil ? "" : " with the token"); \(kept) in the secret store. Check with: notify test")
        return 0
    }

    /// With etcd state the secret store is the environment of each replica: the URL must be the
    /// one in `DIRSYNC_SECRET_NOTIFICATIONS_WEBHOOK_URL`, and the token is the one in
    /// `DIRSYNC_SECRET_NOTIFICATIONS_WEBHOOK_TOKEN`, if set (`--token-env` is refused). Every
    /// replica needs the same values.
    /// - Returns: The token, if the environment holds one.
    private static func fromEnvironment(_ environment: EnvironmentSecretStore, url: URL, tokenVariable: String?) async throws -> Secret? {
        let urlVariable = Terminal.safe(environment.variableName(for: .webhookURL))
        let tokenName = Terminal.safe(environment.variableName(for: .webhookToken))
        if tokenVariable != nil {
            throw UsageError(
                "with --state etcd://…, every replica reads the webhook's token from \(tokenName): set it there (here too) and run notify set without --token-env")
        }
        guard let held = try await environment.secret(for: .webhookURL), held.reveal() == url.absoluteString else {
            throw UsageError(
                "with --state etcd://…, every replica reads the webhook's whole URL from \(urlVariable) (it is never saved in etcd): set it to this URL (here too), and the token, if any, in \(tokenName); then run notify set again")
        }
        // As the environment holds it: the service saves nothing that differs from what the store holds.
        return try await environment.secret(for: .webhookToken)
    }

    /// Reads `--events`: kind names separated by commas (`runFailed` or `run-failed`), or `all`.
    static func parseKinds(_ list: String) throws -> Set<NotificationKind> {
        let byName = Dictionary(uniqueKeysWithValues: NotificationKind.allEvents.map { (key($0.rawValue), $0) })
        var kinds: Set<NotificationKind> = []
        for word in list.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !word.isEmpty {
            if key(word) == "all" {
                kinds.formUnion(NotificationKind.allEvents)
            } else if let kind = byName[key(word)] {
                kinds.insert(kind)
            } else {
                let names = NotificationKind.allCases.filter { $0 != .test }.map(\.rawValue).joined(separator: ", ")
                throw UsageError("--events takes kinds separated by commas — \(names) — or all, not '\(Terminal.safe(word))'")
            }
        }
        guard !kinds.isEmpty else { throw UsageError("--events needs at least one kind (or all)") }
        return kinds
    }

    /// `run-failed`, `RUN_FAILED` and `runFailed` name the same kind.
    private static func key(_ name: String) -> String { name.lowercased().filter { $0 != "-" && $0 != "_" } }
}
