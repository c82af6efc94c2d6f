import DirectorySync
import DirectorySyncTesting
@testable import dirsync
import Foundation
import Testing

@Suite("dirsync --state DIR: every setting from the command line — policy, source edit, sync --full, tracking reset, preview --show, users --manual-unmatched")
struct SettingsCommandTests {
    typealias Session = AdminCommandTests.Session

    /// A state folder with the source "Contoso", tested (and on and synchronized once unless `on` is false).
    func ready(users: Int = 30, on: Bool = true) async throws -> Session {
        let session = try Session(users: users)
        var steps = [["source", "add", "--name", "Contoso", "--domain", session.credentials.domain], session.credentialArguments(), ["test-connection", "--source", "Contoso"]]
        if on { steps += [["on", "--source", "Contoso"], ["sync", "--source", "Contoso"]] }
        for arguments in steps {
            let result = try await session.run(arguments, environment: session.secretEnvironment)
            #expect(result.status == 0, "\(arguments.joined(separator: " ")): \(result.output)\(result.error)")
        }
        return session
    }

    /// Expects exit 2 with one line on standard error that contains `text`.
    func expectUsage(_ session: Session, _ arguments: [String], _ text: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let result = try await session.run(arguments)
        #expect(result.status == 2, "\(arguments.joined(separator: " ")): \(result.output)\(result.error)", sourceLocation: sourceLocation)
        #expect(result.error.contains(text), "\(arguments.joined(separator: " ")): \(result.error)", sourceLocation: sourceLocation)
        #expect(result.error.trimmingCharacters(in: .newlines).split(separator: "\n").count == 1, "one line: \(result.error)", sourceLocation: sourceLocation)
    }

    func object(_ result: DirsyncProcess.Result) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any], "\(result.output)\(result.error)")
    }

    @Test("policy show and policy set: each option changes its part, the others stay; text and JSON")
    func policy() async throws {
        let session = try await ready(on: false)
        let shown = try await session.run(["policy", "show", "--source", "Contoso"])
        #expect(shown.status == 0)
        for line in ["--removal            remove", "--grace              -", "--missing-email      sync", "--guard-users        500,20%",
                     "--guard-groups       100,20%", "--guard-memberships  5000,30%", "from 10 removals on"] {
            #expect(shown.output.contains(line), "\(line) in \(shown.output)")
        }
        let set = try await session.run([
            "policy", "set", "--source", "Contoso", "--removal", "disable-then-remove", "--grace", "3d", "--missing-email", "skip",
            "--guard-users", "50", "--guard-groups", "10%", "--guard-memberships", "off",
        ])
        #expect(set.status == 0, "\(set.error)")
        #expect(set.output.contains(
            "Policies of 'Contoso': removal disable-then-remove (grace 3d), missing email skip, deletion guard users 50,20%, groups 100,10%, memberships off."),
            "\(set.output)")
        let settings = try object(try await session.run(["policy", "show", "--source", "Contoso", "--json"]))
        #expect(settings["outOfScope"] as? String == "disableThenRemove")
        #expect(settings["removalGraceSeconds"] as? Int == 259_200)
        #expect(settings["missingEmail"] as? String == "skip")
        #expect((settings["filter"] as? [String: Any])?["mode"] as? String == "all")
        let deletionGuard = try #require(settings["deletionGuard"] as? [String: [String: Any]])
        #expect(deletionGuard["users"]?["maximumCount"] as? Int == 50 && deletionGuard["users"]?["maximumPercentage"] as? Double == 20)
        #expect(deletionGuard["groups"]?["maximumCount"] as? Int == 100 && deletionGuard["groups"]?["maximumPercentage"] as? Double == 10)
        #expect(deletionGuard["memberships"]?["maximumCount"] == nil && deletionGuard["memberships"]?["maximumPercentage"] == nil)

        // The grace alone, once the policy is staged deletion; JSON prints the source.
        let grace = try object(try await session.run(["policy", "set", "--source", "Contoso", "--grace", "36h", "--json"]))
        #expect((grace["settings"] as? [String: Any])?["removalGraceSeconds"] as? Int == 129_600)
        #expect(try await session.run(["policy", "set", "--source", "Contoso", "--removal", "never"]).status == 0)
        let never = try await session.run(["policy", "show", "--source", "Contoso"])
        #expect(never.output.contains("--removal            never") && never.output.contains("--grace              -"))
        #expect(try await session.run(["policy", "set", "--source", "Contoso", "--guard-users", "200,5.5%"]).output.contains("users 200,5.5%"))

        try await expectUsage(session, ["policy", "set", "--source", "Contoso", "--grace", "1d"], "disable-then-remove")
        try await expectUsage(session, ["policy", "set", "--source", "Contoso", "--removal", "disable", "--grace", "1d"], "--grace is the grace of --removal disable-then-remove")
        try await expectUsage(session, ["policy", "set", "--source", "Contoso", "--removal", "delete"], "use remove, disable, disable-then-remove or never")
        try await expectUsage(session, ["policy", "set", "--source", "Contoso", "--removal", "disable-then-remove", "--grace", "7"], "such as 7d or 36h")
        try await expectUsage(session, ["policy", "set", "--source", "Contoso", "--removal", "disable-then-remove", "--grace", "1w"], "such as 7d or 36h")
        try await expectUsage(session, ["policy", "set", "--source", "Contoso", "--removal", "disable-then-remove", "--grace", "99999d"], "longer than ten years")
        try await expectUsage(session, ["policy", "set", "--source", "Contoso", "--guard-users", "120%"], "from 0% to 100%")
        try await expectUsage(session, ["policy", "set", "--source", "Contoso", "--guard-users", "-1"], "a count (a whole number, 0 or more)")
        try await expectUsage(session, ["policy", "set", "--source", "Contoso", "--guard-groups", "5,6"], "--guard-groups")
        try await expectUsage(session, ["policy", "set", "--source", "Contoso", "--missing-email", "maybe"], "use sync")
        try await expectUsage(session, ["policy", "set", "--source", "Contoso"], "needs at least one of --removal")
        try await expectUsage(session, ["policy", "frob", "--source", "Contoso"], "use 'policy set' or 'policy show'")
        try await expectUsage(session, ["policy", "show", "--source", "Nobody"], "No source is named 'Nobody'")
        let after = try await session.run(["policy", "show", "--source", "Contoso"])
        #expect(after.output.contains("--removal            never"), "refused changes changed nothing")
    }

    @Test("source edit: name, description and domain; the domain only while off, then tested again; a domain of the same tenant is refused naming the first source")
    func sourceEdit() async throws {
        let session = try await ready()
        let renamed = try await session.run(["source", "edit", "--source", "Contoso", "--name", "Contoso HQ", "--description", "head office"])
        #expect(renamed.status == 0, "\(renamed.error)")
        #expect(renamed.output.contains("Changed 'Contoso HQ'"))
        let shown = try object(try await session.run(["source", "show", "--source", "contoso hq", "--json"]))
        #expect(shown["name"] as? String == "Contoso HQ" && shown["description"] as? String == "head office")
        #expect(shown["id"] as? String == "contoso", "the id stays")
        let tenant = try #require(shown["tenant"] as? [String: Any], "the passed test kept the tenant")
        #expect(tenant["id"] as? String == session.credentials.tenantID)
        #expect(try await session.run(["source", "show", "--source", "Contoso HQ"]).output.contains("Tenant:       tenant \(session.credentials.tenantID) (contoso.com, contoso.onmicrosoft.com)"))

        let whileOn = try await session.run(["source", "edit", "--source", "Contoso HQ", "--domain", "contoso.onmicrosoft.com"])
        #expect(whileOn.status == 1 && whileOn.error.contains("Turn the source off"), "\(whileOn.error)")
        try await expectUsage(session, ["source", "add", "--name", "Second", "--domain", "contoso.onmicrosoft.com"], "duplicateTenant: The source 'Contoso HQ' already synchronizes tenant \(session.credentials.tenantID)")
        try await expectUsage(session, ["source", "edit", "--source", "Contoso HQ"], "needs at least one of --name")
        try await expectUsage(session, ["source", "edit", "--source", "Contoso HQ", "--domain", "not a domain"], "is not a domain name")
        try await expectUsage(session, ["source", "frob"], "'source edit'")

        #expect(try await session.run(["off", "--source", "Contoso HQ"]).status == 0)
        let moved = try await session.run(["source", "edit", "--source", "Contoso HQ", "--domain", "contoso.onmicrosoft.com"])
        #expect(moved.status == 0, "\(moved.error)")
        #expect(moved.output.contains("test-connection --source \"Contoso HQ\""))
        #expect(try await session.run(["on", "--source", "Contoso HQ"]).status == 1, "the new domain needs a passed test")
        #expect(try await session.run(["test-connection", "--source", "Contoso HQ"]).status == 0)
        #expect(try await session.run(["on", "--source", "Contoso HQ"]).status == 0)
    }

    @Test("the tenant id typed instead of a domain: test-connection fails at its tenant step, naming the first source (exit 1)")
    func tenantIDInsteadOfDomain() async throws {
        let session = try Session(users: 10)
        for arguments in [["source", "add", "--name", "Contoso", "--domain", session.credentials.domain],
                          ["source", "add", "--name", "Initial", "--domain", "contoso.onmicrosoft.com"],
                          session.credentialArguments(), ["test-connection", "--source", "Contoso"]] {
            #expect(try await session.run(arguments, environment: session.secretEnvironment).status == 0, "\(arguments)")
        }
        let byID = session.credentialArguments().map { $0 == "Contoso" ? "Initial" : $0 == session.credentials.domain ? session.credentials.tenantID : $0 }
        #expect(try await session.run(byID, environment: session.secretEnvironment).status == 0)
        let refused = try await session.run(["test-connection", "--source", "Initial"])
        #expect(refused.status == 1)
        #expect(refused.output.contains("✘ tenant: The source 'Contoso' already synchronizes tenant \(session.credentials.tenantID)"), "\(refused.output)")
        let json = try object(try await session.run(["test-connection", "--source", "Initial", "--json"]))
        #expect(json["errorCode"] as? String == "duplicateTenant")
        #expect((json["tenant"] as? [String: Any])?["id"] as? String == session.credentials.tenantID)
        #expect(try await session.run(["on", "--source", "Initial"]).status == 1)
    }

    @Test("sync --full reads everything; tracking reset makes the next run read everything; --full does not go with --user")
    func fullReadAndTrackingReset() async throws {
        let session = try await ready()
        let incremental = try await session.run(["sync", "--source", "Contoso"])
        #expect(incremental.output.contains("read incremental"), "\(incremental.output)")
        let full = try await session.run(["sync", "--source", "Contoso", "--full"])
        #expect(full.status == 0, "\(full.error)")
        #expect(full.output.contains("read full (requested)"), "\(full.output)")
        let record = try object(try await session.run(["sync", "--source", "Contoso", "--full", "--json"]))
        #expect((record["read"] as? [String: String]) == ["kind": "full", "reason": "requested"])
        let reset = try await session.run(["tracking", "reset", "--source", "Contoso"])
        #expect(reset.status == 0, "\(reset.error)")
        #expect(reset.output.contains("Forgot the change tracking of 'Contoso'"))
        #expect(try await session.run(["sync", "--source", "Contoso"]).output.contains("read full (first run)"))
        #expect(try await session.run(["sync", "--source", "Contoso"]).output.contains("read incremental"))
        try await expectUsage(session, ["sync", "--source", "Contoso", "--full", "--user", "someone@contoso.com"], "--full reads the whole directory and does not go with --user")
        try await expectUsage(session, ["tracking", "forget", "--source", "Contoso"], "use 'tracking reset'")
        try await expectUsage(session, ["tracking", "reset"], "--source NAME is required")
    }

    @Test("preview --show shows the kept preview while it is valid; --new makes one; --action filters; a settings change discards it")
    func keptPreview() async throws {
        let session = try await ready(on: false)
        let made = try await session.run(["preview", "--source", "Contoso"])
        #expect(made.status == 0 && made.output.hasPrefix("Preview of 'Contoso': "), "\(made.output)\(made.error)")
        let kept = try await session.run(["preview", "--source", "Contoso", "--show", "--limit", "3"])
        #expect(kept.status == 0, "\(kept.error)")
        #expect(kept.output.hasPrefix("Kept preview of 'Contoso', made "), "\(kept.output)")
        #expect(kept.output.contains("--new makes a new one"))
        let creates = try await session.run(["preview", "--source", "Contoso", "--show", "--action", "create", "--limit", "1000"])
        let lines = creates.output.split(separator: "\n").filter { !$0.hasPrefix("Kept preview") && !$0.hasPrefix("Records") }
        #expect(!lines.isEmpty && lines.allSatisfy { $0.hasPrefix("create ") }, "\(creates.output)")
        #expect(creates.output.contains("Records with the action create:"))
        let new = try await session.run(["preview", "--source", "Contoso", "--show", "--new", "--limit", "1"])
        #expect(new.output.hasPrefix("Preview of 'Contoso': "), "\(new.output)")
        #expect(try await session.run(["policy", "set", "--source", "Contoso", "--missing-email", "skip"]).status == 0)
        let afterChange = try await session.run(["preview", "--source", "Contoso", "--show", "--limit", "1"])
        #expect(afterChange.output.hasPrefix("Preview of 'Contoso': "), "the kept one was planned with other settings: \(afterChange.output)")
        try await expectUsage(session, ["preview", "--source", "Contoso", "--action", "create"], "give --show with it")
        try await expectUsage(session, ["preview", "--source", "Contoso", "--show", "--action", "frob"], "--action must be one of create, adopt")
        try await expectUsage(session, ["preview", "--source", "Contoso", "--new"], "--new makes a new preview for --show")
    }

    @Test("users --manual-unmatched lists the store's manual users that no source adopted")
    func manualUnmatched() async throws {
        let session = try Session(users: 10)
        #expect(try await session.run(["source", "add", "--name", "Contoso", "--domain", session.credentials.domain]).status == 0)
        let adoptable = try #require(session.emulator.users(tenant: session.credentials.tenantID).first { $0.mail != nil })
        do {
            let store = try await FileIdentityStore.open(folder: session.folder.appendingPathComponent("store"))
            defer { store.close() }
            _ = try await store.createUser(UserProfile(name: "Hand Made", email: "hand.made@example.org", logins: ["CORP\\hand"]), origin: .manual)
            _ = try await store.createUser(UserProfile(name: "Soon Adopted", email: adoptable.mail), origin: .manual)
        }
        let before = try await session.run(["users", "--manual-unmatched"])
        #expect(before.status == 0, "\(before.error)")
        #expect(before.output.contains("Hand Made") && before.output.contains("Soon Adopted"))
        #expect(before.output.contains("2 manual users that no source matched"))
        for arguments in [session.credentialArguments(), ["test-connection", "--source", "Contoso"], ["on", "--source", "Contoso"], ["sync", "--source", "Contoso"]] {
            #expect(try await session.run(arguments, environment: session.secretEnvironment).status == 0, "\(arguments)")
        }
        let rows = try await #require(try JSONSerialization.jsonObject(with: Data(try session.run(["users", "--manual-unmatched", "--json"]).output.utf8)) as? [[String: Any]])
        #expect(rows.compactMap { $0["name"] as? String } == ["Hand Made"], "the matched one was adopted")
        #expect((rows.first?["origin"] as? [String: String]) == ["kind": "manual"])
        try await expectUsage(session, ["users", "--manual-unmatched", "--source", "Contoso"], "leave out --source")
        #expect(try await session.run(["users", "--source", "Contoso"]).output.contains(adoptable.mail ?? "-"), "it is Contoso's now, with the directory's attributes")
    }

    @Test("while run-scheduler holds the folder: policy set, tracking reset and sync --full are carried out by it; policy show and preview --show of a kept preview read")
    func whileAnotherProcessOwns() async throws {
        let session = try await ready(users: 10)
        let (process, output, started) = try await DirsyncProcess.start(["--state", session.folder.path, "run-scheduler"], until: "until interrupted")
        var text = started
        defer { if process.isRunning { process.terminate() } }
        let policy = try await session.run(["policy", "set", "--source", "Contoso", "--removal", "disable"])
        #expect(policy.status == 0 && policy.output.contains("removal disable,"), "\(policy.output)\(policy.error)")
        #expect(try await session.run(["policy", "show", "--source", "Contoso"]).output.contains("--removal            disable"))
        let invalid = try await session.run(["policy", "set", "--source", "Contoso", "--grace", "2d"])
        #expect(invalid.status == 2 && invalid.error.contains("disable-then-remove"), "the owner's refusal is still invalid input: \(invalid.error)")
        let reset = try await session.run(["tracking", "reset", "--source", "Contoso"])
        #expect(reset.status == 0 && reset.output.contains("Forgot the change tracking"), "\(reset.error)")
        let full = try await session.run(["sync", "--source", "Contoso", "--full"])
        #expect(full.status == 0 && full.output.contains("read full (requested)"), "\(full.output)\(full.error)")
        let unmatched = try await session.run(["users", "--manual-unmatched"])
        #expect(unmatched.status == 0 && unmatched.output.contains("0 manual users"), "\(unmatched.error)")
        process.interrupt()
        text.append(await DirsyncProcess.finish(process, output: output))
        #expect(process.terminationStatus == 0)
    }

    @Test("an owner from before sync --full cannot read its request (so it refuses it rather than reading only the changes)")
    func olderOwnerRefusesFullSync() throws {
        /// The request as an owner before `syncFull`, `policy` and `trackingReset` read it.
        struct OlderRequest: Decodable {
            enum Action: String, Decodable { case on, off, filter, schedule, sync, syncUser }
            var action: Action
            var sourceID: SourceID
        }
        for action in [AdminControl.Request.Action.syncFull, .policy, .trackingReset] {
            let data = try AdminControl.encoder.encode(AdminControl.Request(action: action, sourceID: "contoso", json: false, sentAt: Date()))
            #expect(throws: DecodingError.self) { try AdminControl.decoder.decode(OlderRequest.self, from: data) }
        }
        let plain = try AdminControl.encoder.encode(AdminControl.Request(action: .sync, sourceID: "contoso", json: false, sentAt: Date()))
        #expect(try AdminControl.decoder.decode(OlderRequest.self, from: plain).action == .sync)
    }

    @Test("--help lists the new commands and --confirm-removals")
    func help() async throws {
        let help = try await DirsyncProcess.run(["--state", "/nonexistent-dirsync-help", "--help"])
        #expect(help.status == 0)
        for text in ["policy set --source NAME [--removal remove|disable|disable-then-remove|never] [--grace 7d]", "policy show --source NAME",
                     "source edit --source NAME", "sync --source NAME [--full] [--confirm-removals]", "tracking reset --source NAME",
                     "users --manual-unmatched", "[--show [--new] [--action A]"] {
            #expect(help.output.contains(text), "\(text)")
        }
    }

    @Test("PolicyChange: parsing and applying", arguments: [
        ("7d", Int64(604_800)), ("36h", 129_600), ("90m", 5_400), ("45s", 45), ("0", 0), (" 2D ", 172_800),
    ])
    func grace(text: String, seconds: Int64) throws {
        #expect(try PolicyChange.graceSeconds(parsing: text) == seconds)
        #expect(PolicyText.grace(.seconds(seconds)) == (seconds == 0 ? "0s" : ["7d": "7d", "36h": "36h", "90m": "90m", "45s": "45s", " 2D ": "2d"][text]))
    }

    @Test("PolicyChange applies to the settings as they are: what is not given stays")
    func applied() throws {
        var arguments = Arguments(["--removal", "disable-then-remove", "--guard-memberships", "40%"])
        let change = try PolicyChange.parse(&arguments)
        var settings = SyncSettings(filter: .usersByUser(try FilterExpression(parsing: "department eq 'Sales'")), missingEmail: .skip)
        settings.deletionGuard.memberships = .init(maximumCount: 7, maximumPercentage: 1, percentageAppliesFrom: 3)
        let result = try change.applied(to: settings)
        #expect(result.outOfScope == .disableThenRemove(after: SyncSettings.OutOfScopeAction.defaultGrace))
        #expect(result.filter == settings.filter && result.missingEmail == .skip && result.deletionGuard.users == settings.deletionGuard.users)
        #expect(result.deletionGuard.memberships == .init(maximumCount: 7, maximumPercentage: 40, percentageAppliesFrom: 3))
        var staged = settings
        staged.outOfScope = .disableThenRemove(after: .seconds(3_600))
        #expect(try change.applied(to: staged).outOfScope == .disableThenRemove(after: .seconds(3_600)), "an existing grace stays")
        #expect(throws: DirectoryServiceError.self) { try PolicyChange(graceSeconds: 60).applied(to: SyncSettings()) }
    }
}
