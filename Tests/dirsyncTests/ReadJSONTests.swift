@testable import dirsync
import DirectorySync
import DirectorySyncTesting
import Foundation
import Testing

@Suite("dirsync read --json: the document written directly")
struct ReadJSONTests {
    /// The document `read --json` printed through `JSONEncoder` before it was written directly.
    struct Reference: Codable {
        var users: [DirectoryUser]
        var groups: [DirectoryGroup]
        var statistics: ReadStatistics
    }

    static func oddString(_ random: inout SeededRandomNumberGenerator) -> String {
        let pieces = ["a", "\"", "\\", "/", "\n", "\u{00}", "\u{1F}", "\u{7F}", "ë", "日本", "🙂", "\u{2028}", " ", "'"]
        return (0..<Int.random(in: 0...6, using: &random)).map { _ in pieces.randomElement(using: &random)! }.joined()
    }

    static func snapshot(_ random: inout SeededRandomNumberGenerator) -> DirectorySnapshot {
        func optional() -> String? { random.chance(0.5) ? oddString(&random) : nil }
        func strings() -> [String] { (0..<Int.random(in: 0...3, using: &random)).map { _ in oddString(&random) } }
        let users = (0..<Int.random(in: 0...40, using: &random)).map { _ in
            DirectoryUser(
                id: oddString(&random), userPrincipalName: oddString(&random), displayName: optional(), mail: optional(), otherMails: strings(),
                proxyAddresses: strings(), accountEnabled: random.chance(0.5), userType: optional(), department: optional(),
                onPremisesSamAccountName: optional(), onPremisesDomainName: optional())
        }
        let groups = (0..<Int.random(in: 0...10, using: &random)).map { _ in
            DirectoryGroup(
                id: oddString(&random), displayName: oddString(&random), description: optional(), mail: optional(),
                mailEnabled: random.chance(0.5), groupTypes: strings(), memberUserIDs: DirectoryObjectIDs(strings()), memberGroupIDs: DirectoryObjectIDs(strings()))
        }
        let statistics = ReadStatistics(
            requests: Int.random(in: 0...1_000, using: &random), pages: Int.random(in: 0...1_000, using: &random),
            resourceUnits: Int.random(in: 0...5_000, using: &random), ignoredMembers: Int.random(in: 0...9, using: &random),
            filterPushedDown: random.chance(0.5))
        return DirectorySnapshot(users: users, groups: groups, statistics: statistics)
    }

    @Test("the bytes are JSONEncoder.deterministic()'s for the document, and a line break (seeded random snapshots with odd strings)")
    func matchesJSONEncoder() async throws {
        var random = SeededRandomNumberGenerator(seed: 2020)
        var snapshots = [DirectorySnapshot()]
        for _ in 0..<300 { snapshots.append(Self.snapshot(&random)) }
        for snapshot in snapshots {
            var sink = DataSink()
            try await ReadCommand.writeJSON(snapshot, to: &sink)
            var expected = try JSONEncoder.deterministic().encode(Reference(users: snapshot.users, groups: snapshot.groups, statistics: snapshot.statistics))
            expected.append(UInt8(ascii: "\n"))
            #expect(sink.data == expected, "\(sink.text) vs \(String(decoding: expected, as: UTF8.self))")
            if sink.data != expected { return }
        }
    }

    @Test("a document of many pieces is made on several cores and written in order: the same bytes, one write per piece")
    func pieces() async throws {
        struct CountingSink: ByteSink {
            var data = Data()
            var writes = 0
            mutating func write(_ data: Data) throws {
                self.data.append(data)
                writes += 1
            }
        }
        var random = SeededRandomNumberGenerator(seed: 2021)
        var snapshot = DirectorySnapshot()
        while snapshot.users.count < 2 * ReadCommand.piece + 501 || snapshot.groups.count < ReadCommand.piece + 1 {
            let more = Self.snapshot(&random)
            snapshot.users += more.users
            snapshot.groups += more.groups
        }
        var sink = CountingSink()
        try await ReadCommand.writeJSON(snapshot, to: &sink)
        var expected = try JSONEncoder.deterministic().encode(Reference(users: snapshot.users, groups: snapshot.groups, statistics: snapshot.statistics))
        expected.append(UInt8(ascii: "\n"))
        #expect(sink.data == expected)
        let groupPieces = (snapshot.groups.count + ReadCommand.piece - 1) / ReadCommand.piece
        let userPieces = (snapshot.users.count + ReadCommand.piece - 1) / ReadCommand.piece
        #expect(sink.writes == groupPieces + userPieces + 3)
    }
}
