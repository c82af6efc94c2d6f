import DirectorySync

/// The rules every ``DirectorySync/SecretStore`` must keep, as checks to run against any implementation.
///
/// The factory makes a store that already holds the given secrets (for a read-only store such as
/// ``DirectorySync/EnvironmentSecretStore``, by putting them where it reads them) and says whether it is writable.
/// ```swift
/// @Test(arguments: SecretStoreContract.checks)
/// func inMemory(_ check: SecretStoreContract.Check) async throws {
///     try await check.run { seeded in (InMemorySecretStore(seeded), writable: true) }
/// }
/// ```
public enum SecretStoreContract {
    /// Makes a store holding `seeded`, and says whether it can be written.
    public typealias Factory = @Sendable (_ seeded: [SecretKey: Secret]) async throws -> (store: any SecretStore, writable: Bool)

    /// One named rule.
    public typealias Check = ContractCheck<Factory>

    static let seeded: [SecretKey: Secret] = [
        .clientSecret("contoso"): Secret("c0ntoso~Secret.Value_1"),
        .clientSecret("fabrikam"): Secret("f4brikam~Other.Value_2 with spaces and ünïcode"),
    ]

    /// Every check.
    public static let checks: [Check] = [
        Check("stored secrets read back exactly; unknown keys read as nil") { factory, expect in
            let (store, _) = try await factory(seeded)
            for (key, secret) in seeded {
                let read = try await store.secret(for: key)
                try expect.that(read?.reveal() == secret.reveal(), "the secret '\(key)' did not read back exactly")
            }
            try expect.that(try await store.secret(for: SecretKey("nobody.client-secret")) == nil, "an unknown key returned a secret")
        },
        Check("writing replaces, removing removes, and keys stay independent (writable stores); read-only stores refuse writes") { factory, expect in
            let (store, writable) = try await factory(seeded)
            let key = SecretKey.clientSecret("contoso")
            guard writable else {
                do {
                    try await store.setSecret(Secret("new"), for: key)
                } catch let error as SecretStoreError {
                    try expect.that(error.code == .readOnly, "a read-only store failed a write with \(error.code), not readOnly")
                    try expect.that(!error.description.contains("new"), "the error shows the value")
                    return
                }
                throw ContractViolation(check: expect.check, message: "a read-only store accepted a write")
            }
            try await store.setSecret(Secret("replaced"), for: key)
            try expect.that(try await store.secret(for: key)?.reveal() == "replaced", "a write did not replace the secret")
            try await store.setSecret(nil, for: key)
            try expect.that(try await store.secret(for: key) == nil, "a removed secret still reads back")
            let other = SecretKey.clientSecret("fabrikam")
            try expect.that(try await store.secret(for: other)?.reveal() == seeded[other]?.reveal(), "changing one key changed another")
        },
        Check("a secret read back never shows its value in descriptions") { factory, expect in
            let (store, _) = try await factory(seeded)
            let secret = try await store.secret(for: .clientSecret("contoso"))
            let texts = [String(describing: secret as Any), String(reflecting: secret as Any), "\(store)"]
            try expect.that(texts.allSatisfy { !$0.contains("c0ntoso~Secret") }, "a description shows the secret")
        },
    ]
}
