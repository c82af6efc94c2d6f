import DirectorySync
import Foundation

/// `dirsync --state DIR credentials set --source NAME …`: saves a source's Entra ID credentials;
/// the secret goes to the secret store, never into an argument. While the source is on, the new
/// credentials are tested first and replace the ones in use only when the test passes (exit 1,
/// nothing changed, otherwise). `--secret-expires DATE` alone changes the expiry date only; a
/// secret alone replaces the secret and keeps the saved client id, tenant and endpoints.
enum CredentialsSetCommand {
    static func run(_ context: AdminContext, _ arguments: inout Arguments) async throws -> Int32 {
        try context.requireOwnership("credentials set")
        let source = try await context.source(&arguments)
        let change = try CredentialOptions.parseChange(&arguments, saved: source.credentials)
        try arguments.finish()
        let name = Terminal.safe(source.name)
        let sentence: String
        switch change {
        case .expiry(let date):
            try await context.service.setSecretExpiration(source.id, date)
            sentence = "Saved the secret expiry date of '\(name)': \(date.formatted(Date.ISO8601FormatStyle().year().month().day())) (the credentials and secret are unchanged)."
        case .credentials(let credentials, let secretSource):
            let secret = try secretSource.map(CredentialOptions.secret(from:))
            try await context.service.setCredentials(source.id, credentials, secret: secret)
            let kept = secret == nil ? "" : " (the secret is in \(Terminal.safe(context.folder.appendingPathComponent("secrets").path)))"
            sentence = source.state.isOn
                ? "Tested and saved the credentials of '\(name)'\(kept); its next synchronization uses them."
                : "Saved the credentials of '\(name)'\(kept). Next: test-connection --source \"\(name)\""
        }
        if context.json {
            try context.printJSON(try await context.service.source(source.id))
        } else {
            print(sentence)
        }
        return 0
    }
}
