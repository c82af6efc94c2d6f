import DirectorySync
import DirectorySyncSCIM
import Foundation

/// Reads a SCIM 2.0 identity store from `--scim-url URL --scim-token-env VAR`: the server's base
/// URL and the environment variable that holds its bearer token (never the token itself).
enum SCIMStoreOptions {
    /// The SCIM store named by `--scim-url` and `--scim-token-env`, if given.
    static func parse(_ arguments: inout Arguments) throws -> SCIMIdentityStore? {
        let url = try arguments.option("scim-url")
        let variable = try arguments.option("scim-token-env")
        guard url != nil || variable != nil else { return nil }
        guard let url, let variable, let base = URL(string: url) else {
            throw UsageError("--scim-url URL and --scim-token-env VAR go together")
        }
        let token = try CredentialOptions.environmentSecret(variable, holding: "token")
        do {
            return try SCIMIdentityStore(configuration: .init(baseURL: base, bearerToken: token))
        } catch let error as IdentityStoreError {
            throw UsageError(error.description)
        }
    }
}
