import DirectorySync
import Foundation

/// `dirsync --state DIR credentials set --source NAME …`: saves a source's Entra ID credentials;
/// the secret goes to the secret store, never into an argument.
enum CredentialsSetCommand {
    static func run(_ context: AdminContext, _ arguments: inout Arguments) async throws -> Int32 {
        try context.requireOwnership("credentials set")
        let source = try await context.source(&arguments)
        let options = try CredentialOptions.parse(&arguments)
        try arguments.finish()
        let credentials = options.credentials
        let secret = try options.secret()
        try await context.service.setCredentials(source.id, credentials, secret: secret)
        if context.json {
            try context.printJSON(try await context.service.source(source.id))
            return 0
        }
        let name = Terminal.safe(source.name)
        print("Saved the credentials of '\(name)' (the secret is in \(Terminal.safe(context.folder.appendingPathComponent("secrets").path))). Next: test-connection --source \"\(name)\"")
        return 0
    }
}
