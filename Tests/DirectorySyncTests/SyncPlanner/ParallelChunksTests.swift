@testable import DirectorySync
import DirectorySyncTesting
import Testing

@Suite("Planner: work split into chunks on every core")
struct ParallelChunksTests {
    /// Counts around one chunk and several, with the empty list.
    static let counts = [0, 1, 2, 7, 8, 9, 63, 64, 65, 1_000]

    @Test("map gives what a map one item after another gives, strings and arrays included, whatever the chunks; each chunk's range is read ahead once, before its items")
    func mapInOrder() {
        for count in Self.counts {
            for chunkSize in [1, 3, 8, 64, 5_000] {
                let expected = (0..<count).map { "item \($0)" + String(repeating: "x", count: $0 % 40) }
                let ranges = Locked([Range<Int>]())
                let transformed = Locked([Int]())
                // Checked after the map: the chunks run on threads outside the test's task.
                let lateReads = Locked(0)
                let made = ParallelChunks.map(count, chunkSize: chunkSize, readAhead: { range in
                    if transformed.withLock({ done in range.contains { done.contains($0) } }) { lateReads.withLock { $0 += 1 } }
                    ranges.withLock { $0.append(range) }
                }) { index in
                    transformed.withLock { $0.append(index) }
                    return "item \(index)" + String(repeating: "x", count: index % 40)
                }
                #expect(made == expected, "\(count) items in chunks of \(chunkSize)")
                #expect(lateReads.withLock { $0 } == 0, "each chunk read ahead before its items")
                let read = ranges.withLock { $0 }.sorted { $0.lowerBound < $1.lowerBound }
                #expect(read.flatMap { Array($0) } == Array(0..<count), "the chunks cover every item once")
                #expect(count == 0 || read.allSatisfy { $0.count <= chunkSize })
                let lists = ParallelChunks.map(count, chunkSize: chunkSize) { Array(repeating: $0, count: $0 % 5) }
                #expect(lists == (0..<count).map { Array(repeating: $0, count: $0 % 5) })
            }
        }
    }

    @Test("fill sets the rows given, each to its own value, and leaves every other row as it was (seeded)", arguments: [1, 2, 3] as [UInt64])
    func fillRows(seed: UInt64) {
        var random = SeededRandomNumberGenerator(seed: seed)
        for count in Self.counts {
            // Texts longer than 15 bytes, so each is an object whose references count.
            var table: [String?] = (0..<count).map { random.chance(0.3) ? "the text before row \($0)" : nil }
            let before = table
            let rows = (0..<count).filter { _ in random.chance(0.5) }
            ParallelChunks.fill(&table, rows: rows, chunkSize: Int.random(in: 1...9, using: &random)) { "the text made for row \($0)" }
            for row in 0..<count {
                #expect(table[row] == (rows.contains(row) ? "the text made for row \(row)" : before[row]), "row \(row) of \(count)")
            }
        }
    }
}

@Suite("Planner: the labels of users, made once")
struct UserLabelTableTests {
    @Test("make makes each row's label once, however often the row is listed, and never again for a row that has one; set and the subscript read back (seeded)", arguments: [1, 2, 3] as [UInt64])
    func madeOnce(seed: UInt64) {
        var random = SeededRandomNumberGenerator(seed: seed)
        let count = 3_000
        var table = UserLabelTable(rows: count)
        #expect(table[5] == nil, "an empty table has no label")
        var expected = [String?](repeating: nil, count: count)
        var expectedCalls = 0
        let calls = Locked([Int](repeating: 0, count: count))
        for round in 0..<4 {
            if round == 2 {
                table.set("set 7", row: 7)
                expected[7] = "set 7"
            }
            let rows = (0..<Int.random(in: 0...5_000, using: &random)).map { _ in Int.random(in: 0..<count, using: &random) }
            table.make(rows) { row in
                calls.withLock { $0[row] += 1 }
                return "user \(row)"
            }
            for row in Set(rows) where expected[row] == nil {
                expected[row] = "user \(row)"
                expectedCalls += 1
            }
            for row in 0..<count { #expect(table[row] == expected[row], "row \(row), round \(round)") }
        }
        let made = calls.withLock { $0 }
        #expect(made.allSatisfy { $0 <= 1 }, "no label made twice")
        #expect(made.reduce(0, +) == expectedCalls)
    }
}
