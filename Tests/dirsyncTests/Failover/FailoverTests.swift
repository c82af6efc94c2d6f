import DirectorySync
import DirectorySyncTesting
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Replicas as separate `dirsync` processes sharing one etcd (state and coordination) and one real
/// SCIM server (the identity store), the Graph emulator in this process. Each test waits for what
/// it can observe — users in the store, `status --json`, the history — never for a fixed time.
@Suite("dirsync --state etcd://…: replicas in separate processes — one run per source, failover after kill -9, fencing, etcd restarts, slots once", .serialized)
struct FailoverTests {
    /// The id in a record printed by `sync --json`.
    static func recordID(_ result: DirsyncProcess.Result) -> String? {
        (try? JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])?["id"] as? String
    }

    @Test("three replicas asked to sync at once: one run applies, the other two wait for it and print its record; the store equals one sync; one history record")
    func concurrentSyncs() async throws {
        guard try await FailoverServers.available() else { return }
        let cluster = try FailoverCluster(users: 300, groups: 12)
        try await cluster.setUp()
        let replicas = try (1...3).map { try cluster.start(["sync", "--source", "Contoso", "--json"], replica: "web-\($0)") }
        var results: [DirsyncProcess.Result] = []
        for replica in replicas { results.append(try await replica.wait()) }
        for result in results { #expect(result.status == 0, "\(result.output)\(result.error)") }
        let ids = Set(results.compactMap(Self.recordID))
        #expect(ids.count == 1, "every replica printed the record of the one run: \(ids)")
        let history = try await cluster.history()
        #expect(history.count == 1)
        #expect(history.first?["id"] as? String == ids.first)
        #expect((history.first?["succeeded"] as? Int ?? 0) > 300)
        let fingerprint = try await cluster.fingerprint()
        #expect(fingerprint == (try await cluster.reference()), "\(fingerprint)")
        let again = try await cluster.ok(["sync", "--source", "Contoso", "--json"], replica: "web-2")
        #expect((try JSONSerialization.jsonObject(with: Data(again.output.utf8)) as? [String: Any])?["succeeded"] as? Int == 0, "nothing is left to do")
    }

    // A file identity store here: the SCIM test server checks each new user's email against every
    // user it holds, too slow for 20,000 within the CI budget. The store is still one that both
    // processes write in turn (the killed one's lock goes with it).
    @Test("kill -9 of the replica applying a 20,000-user sync: another replica completes the source after the lease TTL; the store equals a fresh sync")
    func killedReplica() async throws {
        guard try await FailoverServers.etcd.available() != nil else { return }
        let cluster = try FailoverCluster(users: 20_000, groups: 40, leaseTTL: 10, fileStore: true)
        try await cluster.setUp()
        let reference = try await cluster.reference()
        let doomed = try cluster.start(["sync", "--source", "Contoso"], replica: "doomed")
        // Its claim and status are checked before it writes; once its first writes are seen it
        // is killed at once, only a poll between (a `status` process run there once gave the run
        // time to write every user).
        try await waitUntil("the first replica claims the source") { try await cluster.runningOn() == "doomed" }
        let status = try await cluster.ok(["status", "--source", "Contoso"]).output
        #expect(status.contains("Running:    on replica doomed since "), "\(status)")
        // Some of its writes are in the store (a few thousand operations' worth of log).
        try await waitUntil("the first replica writes to the store") { cluster.storeLogBytes() >= 1_000_000 }
        doomed.signal(SIGKILL)
        let killed = Date()
        _ = try await doomed.wait()
        let partial = try await cluster.fingerprint()
        #expect(partial != reference, "killed part way: \(partial)")
        // Asked now: it waits for the dead replica's lease to expire, then runs the source itself.
        let survivor = try await cluster.run(["sync", "--source", "Contoso", "--json"], replica: "survivor")
        #expect(survivor.status == 0, "\(survivor.output)\(survivor.error)")
        let history = try await cluster.history()
        // The survivor's run starts once it holds the claim. The lease was last renewed up to a
        // third of its time to live before the kill (the renewal interval), so it expires two
        // thirds of that time after the kill at the earliest; the record's time is in whole seconds.
        let started = (history.first?["startedAt"] as? String).flatMap { try? Date($0, strategy: .iso8601) }
        let earliest = killed.addingTimeInterval(Double(cluster.leaseTTL) * 2 / 3 - 2)
        #expect(started.map { $0 >= earliest } == true, "not before the lease expired: started \(String(describing: started)), killed \(killed)")
        #expect(history.count == 1, "the killed run left no record; the survivor's is the one")
        #expect(history.first?["id"] as? String == Self.recordID(survivor))
        let fingerprint = try await cluster.fingerprint()
        #expect(fingerprint == reference, "\(fingerprint)")
        #expect(try await cluster.runningOn() == nil)
    }

    @Test("fencing: a replica paused (SIGSTOP) past its lease, another takes the source over; resumed, the paused one writes nothing more and its run ends with claimLost, without a record")
    func pausedReplica() async throws {
        guard try await FailoverServers.available() else { return }
        let cluster = try FailoverCluster(users: 600, groups: 12, leaseTTL: 10)
        try await cluster.setUp()
        let paused = try cluster.start(["sync", "--source", "Contoso"], replica: "paused")
        try await waitUntil("the replica writes users") { try await cluster.userCount() >= 100 }
        paused.signal(SIGSTOP)
        try await waitUntil("the paused replica's claim expires") { try await cluster.runningOn() == nil }
        let taker = try await cluster.run(["sync", "--source", "Contoso", "--json"], replica: "taker")
        #expect(taker.status == 0, "\(taker.output)\(taker.error)")
        let taken = try await cluster.fingerprint()
        #expect(taken == (try await cluster.reference()), "\(taken)")
        paused.signal(SIGCONT)
        let resumed = try await paused.wait()
        #expect(resumed.status == 1, "\(resumed.output)\(resumed.error)")
        #expect((resumed.output + resumed.error).contains("claimLost") || (resumed.output + resumed.error).contains("lost its claim"), "\(resumed.output)\(resumed.error)")
        #expect(try await cluster.fingerprint() == taken, "the resumed replica wrote nothing more")
        let history = try await cluster.history()
        #expect(history.count == 1, "no record of the paused run")
        #expect(history.first?["id"] as? String == Self.recordID(taker))
    }

    @Test("etcd stopped and restarted (same data) in the middle of a run: the run completes or fails cleanly, nothing is lost, the next run converges")
    func etcdRestart() async throws {
        guard try await FailoverServers.available() else { return }
        // A member of its own: the other tests' member stays up.
        let port = ScriptedServer.freePort()
        let script = ScriptedServer.script("etcd.sh")
        var member = try await ScriptedServer.run(script, ["start", String(port), String(getpid())]).get()
        let data = try #require(member.details.first)
        defer {
            let pid = member.pid
            Thread { ScriptedServer.stopBlocking(pid) }.start()
        }
        let cluster = try FailoverCluster(users: 600, groups: 12, leaseTTL: 10, etcdPort: port)
        try await cluster.setUp()
        let before = try await cluster.status()
        let replica = try cluster.start(["sync", "--source", "Contoso"], replica: "r1")
        try await waitUntil("the replica writes users") { try await cluster.userCount() >= 100 }
        await ScriptedServer.stop(member.pid)
        // Down while the replica goes on writing to the identity store — until its lease's time
        // is up on its own clock, when it stops starting writes.
        let down = try await cluster.userCount()
        let stopped = ContinuousClock.now
        try await waitUntil("more writes while etcd is down") {
            try await cluster.userCount() >= min(down + 100, 600) || !replica.process.isRunning || ContinuousClock.now - stopped > .seconds(cluster.leaseTTL + 2)
        }
        member = try await ScriptedServer.run(script, ["start", String(port), String(getpid()), data]).get()
        let result = try await replica.wait(atMost: .seconds(180))
        let said = result.output + result.error
        #expect(result.status == 0 || said.contains("etcd") || said.contains("claim"), "failed cleanly, naming the cause: \(said)")
        // Nothing lost: the source, its settings and credentials are as they were.
        let after = try await cluster.status()
        let source = { (status: [String: Any]) in (status["source"] as? [String: Any]).map { $0.filter { !["state", "lastRunAt", "scheduledFrom"].contains($0.key) } } }
        #expect(NSDictionary(dictionary: source(after) ?? [:]).isEqual(to: source(before) ?? [:]), "\(after)")
        let recorded = try await cluster.history().count
        #expect(recorded <= 1 && (result.status != 0 || recorded == 1), "\(recorded) records")
        try await cluster.ok(["sync", "--source", "Contoso"], replica: "r2")
        let fingerprint = try await cluster.fingerprint()
        #expect(fingerprint == (try await cluster.reference()), "\(fingerprint)")
        let last = try await cluster.ok(["sync", "--source", "Contoso", "--json"], replica: "r2")
        #expect((try JSONSerialization.jsonObject(with: Data(last.output.utf8)) as? [String: Any])?["succeeded"] as? Int == 0, "converged")
    }

    @Test("three run-scheduler replicas over twelve hourly slots on a shared test clock: each slot runs exactly once")
    func schedulerSlots() async throws {
        guard try await FailoverServers.available() else { return }
        let start = Date(timeIntervalSince1970: Double(1_800_000_000 - 1_800_000_000 % 3_600))
        let cluster = try FailoverCluster(users: 20, groups: 3, clock: start)
        try await cluster.setUp(schedule: ["--kind", "hourly", "--every", "1", "--at", "00:00", "--time-zone", "UTC"])
        let schedulers = try (1...3).map { try cluster.start(["run-scheduler"], replica: "scheduler-\($0)") }
        try await waitUntil("the schedulers start") { schedulers.allSatisfy { $0.output.contains("Running due synchronizations") } }
        #expect(schedulers[0].output.contains("Running due synchronizations as replica scheduler-1 until interrupted"), "\(schedulers[0].output)")
        let slots = 12
        for slot in 1...slots {
            try cluster.setClock(start.addingTimeInterval(Double(slot) * 3_600 + 30))
            try await waitUntil("slot \(slot) runs") { try await cluster.history().count >= slot }
        }
        for scheduler in schedulers { scheduler.signal(SIGTERM) }
        for scheduler in schedulers {
            let result = try await scheduler.wait()
            #expect(result.status == 0, "\(result.output)\(result.error)")
        }
        let records = try await cluster.history()
        #expect(records.count == slots, "one run per slot: \(records.count) runs for \(slots) slots")
        let hours = records.compactMap { ($0["startedAt"] as? String).flatMap { try? Date($0, strategy: .iso8601) } }.map { Int($0.timeIntervalSince(start) / 3_600) }
        #expect(Set(hours) == Set(1...slots), "\(hours.sorted())")
        let ranBy = schedulers.map { $0.output.components(separatedBy: "contoso: succeeded").count - 1 }
        #expect(ranBy.reduce(0, +) == slots, "each run printed once, by the replica that ran it: \(ranBy)")
    }
}
