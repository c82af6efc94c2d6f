import DirectorySync
import DirectorySyncEtcd
import DirectorySyncTesting
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite("dirsync --state etcd://…: every command against state in etcd, secrets from the environment, the identity store named on the command line")
struct EtcdStateCommandTests {
    /// A prefix in the shared etcd, a file identity store folder and the Graph emulator.
    final class Deployment: Sendable {
        let emulator = GraphEmulator()
        let server: LoopbackHTTPServer
        let credentials: EmulatorCredentials
        let prefix = "/dirsync-cli/\(UUID().uuidString.lowercased().prefix(8))"
        let store = FileManager.default.temporaryDirectory.appendingPathComponent("dirsync-etcd-store-\(UUID().uuidString)")
        var state: String { "etcd://127.0.0.1:\(FailoverServers.etcdPort)\(prefix)" }

        init(users: Int = 30) throws {
            credentials = emulator.load(TenantGenerator(configuration: .init(users: users, groups: 4, seed: 5)).generate())
            server = LoopbackHTTPServer(emulator)
            try server.start()
        }

        deinit {
            server.stop()
            try? FileManager.default.removeItem(at: store)
        }

        var secretEnvironment: [String: String] { ["DIRSYNC_SECRET_CONTOSO_CLIENT_SECRET": credentials.clientSecret] }

        func run(_ arguments: [String], environment: [String: String]? = nil, store: Bool = true) async throws -> DirsyncProcess.Result {
            try await DirsyncProcess.run(["--state", state] + arguments + (store ? ["--store", self.store.path] : []), environment: environment ?? secretEnvironment)
        }

        func credentialArguments() -> [String] {
            ["credentials", "set", "--source", "Contoso", "--client-id", credentials.clientID, "--tenant", credentials.domain,
             "--login-url", server.baseURL.absoluteString, "--graph-url", "\(server.baseURL)/v1.0"]
        }

        /// Every value stored under the prefix, as text.
        func etcdText() async throws -> String {
            let client = try EtcdClient(configuration: .init(endpoints: [URL(string: "http://127.0.0.1:\(FailoverServers.etcdPort)")!], requestTimeout: .seconds(30)))
            let found = try await client.range(.prefix(prefix + "/"))
            return found.keyValues.map { "\($0.key) \(String(decoding: $0.value, as: UTF8.self))" }.joined(separator: "\n")
        }
    }

    @Test("the administrator's workflow: add, credentials (the secret from the environment), test, on, sync, status, history, users, store check; no secret in etcd")
    func workflow() async throws {
        guard try await FailoverServers.etcd.available() != nil else { return }
        let deployment = try Deployment()
        func ok(_ arguments: [String], environment: [String: String]? = nil) async throws -> DirsyncProcess.Result {
            let result = try await deployment.run(arguments, environment: environment)
            #expect(result.status == 0, "\(arguments.joined(separator: " ")): \(result.output)\(result.error)")
            return result
        }
        _ = try await ok(["source", "add", "--name", "Contoso", "--domain", deployment.credentials.domain])
        let withOption = try await deployment.run(deployment.credentialArguments() + ["--client-secret-env", "CONTOSO_SECRET"])
        #expect(withOption.status == 2)
        #expect(withOption.error.contains("DIRSYNC_SECRET_CONTOSO_CLIENT_SECRET") && withOption.error.contains("never saved"), "\(withOption.error)")
        let unset = try await deployment.run(deployment.credentialArguments(), environment: [:])
        #expect(unset.status == 2)
        #expect(unset.error.contains("set DIRSYNC_SECRET_CONTOSO_CLIENT_SECRET"), "\(unset.error)")
        let saved = try await ok(deployment.credentialArguments())
        #expect(saved.output.contains("every replica reads the secret from DIRSYNC_SECRET_CONTOSO_CLIENT_SECRET"), "\(saved.output)")
        _ = try await ok(["test-connection", "--source", "Contoso"])
        let missing = try await deployment.run(["test-connection", "--source", "Contoso"], environment: [:])
        #expect(missing.status == 1 && missing.error.contains("Set DIRSYNC_SECRET_CONTOSO_CLIENT_SECRET to the client secret"), "\(missing.error)")
        let wrong = try await deployment.run(["test-connection", "--source", "Contoso"], environment: ["DIRSYNC_SECRET_CONTOSO_CLIENT_SECRET": "not-it"])
        #expect(wrong.status == 1 && wrong.output.contains("wrongSecret"), "each process tests with the secret in its own environment")
        _ = try await ok(["on", "--source", "Contoso"])
        let sync = try await ok(["sync", "--source", "Contoso", "--replica", "admin-1"])
        #expect(sync.output.contains("Synchronized 'Contoso'"), "\(sync.output)")
        let status = try await ok(["status", "--source", "Contoso", "--json"])
        let object = try JSONSerialization.jsonObject(with: Data(status.output.utf8)) as? [String: Any]
        #expect(object?["usersSynchronized"] as? Int == 30)
        #expect(object?["runningOn"] == nil, "nothing runs now")
        #expect(try await ok(["history", "--source", "Contoso"]).output.contains("succeeded"))
        #expect(try await ok(["users", "--source", "Contoso"]).output.contains("30 users from 'Contoso'"))
        let check = try await DirsyncProcess.run(["--state", deployment.state, "store", "check", "--store", deployment.store.path])
        #expect(check.status == 0 && check.output.contains("healthy"), "\(check.output)\(check.error)")
        let stored = try await deployment.etcdText()
        #expect(stored.contains("/state/"), "the state is in etcd")
        #expect(!stored.contains(deployment.credentials.clientSecret), "no secret in etcd")
        _ = try await ok(["off", "--source", "Contoso"])
        _ = try await ok(["source", "remove", "--source", "Contoso"])
        await #expect(!(try ok(["source", "list"]).output.contains("Contoso")), "removed, the environment left as it is")
    }

    @Test("usage: the identity store is required (once), --replica and --lease-ttl go with etcd, store check needs --store", arguments: [
        (["source", "list"], false, "name the identity store"),
        (["source", "list", "--store", "/tmp/a", "--scim-url", "http://127.0.0.1:1/v2", "--scim-token-env", "HOME"], false, "give the identity store once"),
        (["source", "list", "--replica", "bad name"], true, "--replica takes a name"),
        (["source", "list", "--lease-ttl", "1"], true, "--lease-ttl must be a whole number from 2"),
        (["store", "check"], false, "--store DIR"),
    ])
    func usage(arguments: [String], store: Bool, fragment: String) async throws {
        let deployment = try Deployment()
        let result = try await deployment.run(arguments, store: store)
        #expect(result.status == 2, "\(result.output)\(result.error)")
        #expect(result.error.split(separator: "\n").count == 1)
        #expect(result.error.contains(fragment), "\(result.error)")
    }

    @Test("--help names the etcd form, the identity store options, --replica, --lease-ttl and where secrets come from")
    func help() async throws {
        let admin = try await DirsyncProcess.run(["--state", "x", "--help"])
        #expect(admin.status == 0)
        for fragment in ["dirsync --state etcd://HOST:PORT[,HOST:PORT…]/PREFIX <command>", "--replica NAME", "--lease-ttl SECONDS", "DIRSYNC_SECRET_<SOURCE>_CLIENT_SECRET", "DIRSYNC_ETCD_USER", "store check | repair --store DIR"] {
            #expect(admin.output.contains(fragment), "\(fragment)")
        }
        #expect(try await DirsyncProcess.run(["--help"]).output.contains("--state etcd://HOST:PORT"))
    }

    @Test("with a state folder, --replica, --lease-ttl and --store are refused (exit 2)", arguments: ["--replica", "--lease-ttl", "--store"])
    func folderRefusesEtcdOptions(option: String) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dirsync-folder-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try await DirsyncProcess.run(["--state", folder.path, "source", "list", option, "x"])
        #expect(result.status == 2)
        #expect(result.error.contains("goes with --state etcd://"), "\(result.error)")
    }

    @Test("notify set takes the URL and token from the environment of every replica; notify remove asks to unset them here")
    func notifications() async throws {
        guard try await FailoverServers.etcd.available() != nil else { return }
        let deployment = try Deployment()
        let url = "https://hooks.example.com/dirsync/secret-path"
        let environment = ["DIRSYNC_SECRET_NOTIFICATIONS_WEBHOOK_URL": url, "DIRSYNC_SECRET_NOTIFICATIONS_WEBHOOK_TOKEN": "hook-token-value"]
        let missing = try await deployment.run(["notify", "set", "--webhook", url], environment: [:])
        #expect(missing.status == 2 && missing.error.contains("DIRSYNC_SECRET_NOTIFICATIONS_WEBHOOK_URL"), "\(missing.error)")
        let tokenOption = try await deployment.run(["notify", "set", "--webhook", url, "--token-env", "HOOK"], environment: environment)
        #expect(tokenOption.status == 2 && tokenOption.error.contains("DIRSYNC_SECRET_NOTIFICATIONS_WEBHOOK_TOKEN"), "\(tokenOption.error)")
        let other = try await deployment.run(["notify", "set", "--webhook", "https://hooks.example.com/other"], environment: environment)
        #expect(other.status == 2, "a URL other than the environment's is refused")
        let set = try await deployment.run(["notify", "set", "--webhook", url, "--json"], environment: environment)
        #expect(set.status == 0, "\(set.error)")
        #expect(set.output.contains("hooks.example.com") && set.output.contains(#""hasToken" : true"#) && !set.output.contains("secret-path"), "\(set.output)")
        let show = try await deployment.run(["notify", "show"], environment: [:])
        #expect(show.status == 0 && show.output.contains("hooks.example.com"), "\(show.output)")
        let stored = try await deployment.etcdText()
        #expect(!stored.contains("secret-path") && !stored.contains("hook-token-value"), "neither the whole URL nor the token is in etcd")
        let refused = try await deployment.run(["notify", "remove"], environment: environment)
        #expect(refused.status == 2 && refused.error.contains("unset DIRSYNC_SECRET_NOTIFICATIONS_WEBHOOK_URL"), "\(refused.error)")
        let removed = try await deployment.run(["notify", "remove"], environment: [:])
        #expect(removed.status == 0, "\(removed.error)")
    }

    @Test("--store DIR takes one writing process: a second one says so; reads go on")
    func oneWriterOfAFileStore() async throws {
        guard try await FailoverServers.etcd.available() != nil else { return }
        let deployment = try Deployment()
        #expect(try await deployment.run(["source", "add", "--name", "Contoso", "--domain", deployment.credentials.domain]).status == 0)
        let scheduler = try DirsyncProcess.Background(
            ["--state", deployment.state, "run-scheduler", "--store", deployment.store.path, "--replica", "scheduler"], environment: deployment.secretEnvironment)
        try await waitUntil("the scheduler starts") { scheduler.output.contains("Running due synchronizations") }
        let writer = try await deployment.run(["source", "add", "--name", "Fabrikam", "--domain", "fabrikam.com"])
        #expect(writer.status == 1)
        #expect(writer.error.contains("one writing process at a time"), "\(writer.error)")
        let reader = try await deployment.run(["source", "list"])
        #expect(reader.status == 0 && reader.output.contains("Contoso"), "\(reader.output)\(reader.error)")
        scheduler.signal(SIGTERM)
        #expect(try await scheduler.wait().status == 0)
    }
}
