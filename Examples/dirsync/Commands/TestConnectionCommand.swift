import DirectorySync
import DirectorySyncEntra
import Foundation

/// `dirsync test-connection`: the connection test, step by step.
enum TestConnectionCommand {
    static let help = """
        Usage: dirsync test-connection --tenant DOMAIN --client-id ID (--client-secret-env VAR | --client-secret-stdin)
                                       [--secret-expires YYYY-MM-DD] [--login-url URL --graph-url URL]

        Tests Entra ID credentials step by step: input, cloud, token, permissions, a Graph read,
        and that the domain is verified in the tenant. Exit status 0 only when every step passes.

        \(CredentialOptions.help)
          --domain DOMAIN            the source's domain to check (default: --tenant)
        """

    static func run(_ arguments: Arguments) async throws -> Int32 {
        var arguments = arguments
        let options = try CredentialOptions.parse(&arguments)
        let domain = try arguments.option("domain") ?? options.credentials.tenant
        try arguments.finish()
        let provider = GraphDirectoryProvider(credentials: options.credentials, secret: try options.secret())
        let report = await provider.testConnection(domain: domain)
        print(Terminal.safe(lines: "\(report)"))
        return report.isSuccessful ? 0 : 1
    }
}
