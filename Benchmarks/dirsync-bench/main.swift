import Foundation

/// `dirsync-bench <scenario> [--users N] [--format F] [--json]`: benchmarks, run in release mode.
let usage = """
    Usage: swift run -c release dirsync-bench <scenario> [--users N] [--groups M] [--format json|jsonl|csv] [--json]
                                              [--scim-url URL [--scim-token-env VAR]]

    Scenarios:
      full-sync    synchronize N users, N/10 groups, ~10 memberships each from the loopback Graph
                   emulator into an empty in-memory store, then again with nothing to change
      incremental  the same with change tracking; change 1% of the users; measure the incremental run
      export   export a preview of N records (--users, default 100,000) to /dev/null
      plan     plan N users (default 100,000) against a store holding them, 1% changed; with
               --iterations K, plan the same inputs K times (the first is the figure reported)
      graph-read   read N users, N/10 groups (or --groups M; 0 for users alone) and their memberships
                   through GraphDirectoryProvider
      read-limit   fetch N users' $select'ed pages from the loopback Graph emulator without decoding
      explain      synchronize N users through DirectoryService (report kept in a file state store),
                   then explain ten of them one by one: lookups, focused plan, last run's report
      coordination --etcd URL [--iterations N]   against a real etcd: p50/p99 latency of the store lock
                   (acquire and release), a run claim (claim and release), a slot claim (claim and
                   finish), N times each (default 200), and of the lock with three replicas contending
      scim-sync    the first synchronization of N users (default here 500), N/25 groups and about one
                   membership per user into the EMPTY SCIM store at --scim-url (a fresh tenant of a
                   server you started, e.g. scripts/scim-server.sh start PORT TOKEN; the token in
                   the variable --scim-token-env names, default SCIM_TOKEN): requests per operation,
                   wall time, client user/system CPU
      scim-creates the same N user creates straight through URLSessionTransport, one at a time, into
                   an empty --scim-url: the transport's cost (compare scripts/scim-plain-client.py)

    full-sync --etcd URL: the state in etcd (EtcdSyncStateStore), through DirectoryService, coordinated
                   by EtcdSyncCoordinator and by LocalSyncCoordinator in turn: the difference is what
                   the coordination costs (scenario "full-sync-etcd")

    --json prints one JSON object with the measurements as the last line.
    """

var words = Array(CommandLine.arguments.dropFirst())
@MainActor func option(_ name: String) -> String? {
    guard let index = words.firstIndex(of: "--\(name)"), index + 1 < words.count else { return nil }
    defer { words.removeSubrange(index...(index + 1)) }
    return words[index + 1]
}
let json = words.contains("--json")
words.removeAll { $0 == "--json" }
guard let scenario = words.first, !scenario.hasPrefix("-") else {
    FileHandle.standardError.write(Data((usage + "\n").utf8))
    exit(2)
}
words.removeFirst()
let scimURL = option("scim-url")
let scimTokenVariable = option("scim-token-env") ?? "SCIM_TOKEN"
guard let users = Int(option("users") ?? (scenario.hasPrefix("scim-") ? "500" : "100000")), users > 0 else {
    FileHandle.standardError.write(Data("--users must be a positive whole number\n".utf8))
    exit(2)
}
let format = option("format") ?? "json"
let groupsText = option("groups")
guard groupsText == nil || Int(groupsText!) != nil else {
    FileHandle.standardError.write(Data("--groups must be a whole number\n".utf8))
    exit(2)
}
let groups = groupsText.flatMap { Int($0) }
let etcd = option("etcd")
guard let iterations = Int(option("iterations") ?? (scenario == "plan" ? "1" : "200")), iterations > 0 else {
    FileHandle.standardError.write(Data("--iterations must be a positive whole number\n".utf8))
    exit(2)
}
guard words.isEmpty else {
    FileHandle.standardError.write(Data("unknown arguments: \(words.joined(separator: " "))\n\(usage)\n".utf8))
    exit(2)
}

let measurement: Measurement
switch scenario {
case "full-sync":
    if let etcd {
        measurement = try await CoordinationScenario.fullSync(users: users, etcd: etcd)
    } else {
        measurement = try await SyncScenarios.fullSync(users: users)
    }
case "coordination":
    guard let etcd else {
        FileHandle.standardError.write(Data("coordination needs --etcd URL (a running etcd, such as scripts/etcd.sh start PORT gives)\n".utf8))
        exit(2)
    }
    measurement = try await CoordinationScenario.run(etcd: etcd, iterations: iterations)
case "incremental": measurement = try await SyncScenarios.incremental(users: users)
case "export": measurement = try await ExportScenario.run(records: users, format: format)
case "plan": measurement = try await PlanScenario.run(users: users, rounds: iterations)
case "graph-read": measurement = try await GraphReadScenario.run(users: users, groups: groups)
case "read-limit": measurement = try await ReadLimitScenario.run(users: users)
case "explain": measurement = try await ExplainScenario.run(users: users)
case "scim-sync", "scim-creates":
    guard let scimURL, let url = URL(string: scimURL), let token = ProcessInfo.processInfo.environment[scimTokenVariable] else {
        FileHandle.standardError.write(Data("\(scenario) needs --scim-url URL (a fresh tenant of a running SCIM server) and its token in $\(scimTokenVariable)\n".utf8))
        exit(2)
    }
    measurement = scenario == "scim-sync"
        ? try await SCIMSyncScenario.sync(users: users, groups: groups, url: url, token: token)
        : try await SCIMSyncScenario.creates(users: users, url: url, token: token)
default:
    FileHandle.standardError.write(Data("unknown scenario '\(scenario)'\n\(usage)\n".utf8))
    exit(2)
}
print("wall \(String(format: "%.3f", measurement.wallSeconds)) s, cpu \(String(format: "%.3f", measurement.cpuSeconds)) s, peak memory \(megabytes(measurement.peakMemoryBytes)), \(Int(measurement.throughputPerSecond)) per second")
if json {
    let encoder = JSONEncoder()
    encoder.outputFormatting = .sortedKeys
    print(String(decoding: try encoder.encode(measurement), as: UTF8.self))
}
