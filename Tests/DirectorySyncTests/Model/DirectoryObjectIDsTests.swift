@testable import DirectorySync
import DirectorySyncTesting
import Foundation
import Testing

@Suite("Model: object ids kept packed behave as an array of their strings")
struct DirectoryObjectIDsTests {
    /// Ids a list may be given: lower-case GUIDs (packed), the extremes of their digits, and ids
    /// that look like GUIDs but are not one (capitals, a space, a missing digit, a brace), or
    /// are not ids at all.
    static func id(_ random: inout SeededRandomNumberGenerator) -> String {
        switch Int.random(in: 0..<10, using: &random) {
        case 0..<6: return random.guid()
        case 6: return ["00000000-0000-0000-0000-000000000000", "ffffffff-ffff-ffff-ffff-ffffffffffff", "0f0f0f0f-a0a0-9999-aaaa-09af09af09af"].randomElement(using: &random)!
        case 7: return random.guid().uppercased()
        case 8:
            var bytes = Array(random.guid().utf8)
            let position = Int.random(in: 0..<bytes.count, using: &random)
            bytes[position] = [UInt8(ascii: " "), UInt8(ascii: "g"), UInt8(ascii: "{"), UInt8(ascii: "-"), 0xC3].randomElement(using: &random)!
            return String(decoding: bytes, as: UTF8.self)
        default: return ["user-1", "", "é", "e\u{301}", String(random.guid().dropLast())].randomElement(using: &random)!
        }
    }

    @Test("random edits give the array's ids, count, lookups, equality and hash (seeded: append, insert, remove, replace, assign, swap, sort, reverse, += of arrays and of lists)", arguments: [1, 2, 3] as [UInt64])
    func edits(seed: UInt64) {
        var random = SeededRandomNumberGenerator(seed: seed)
        for _ in 0..<300 {
            var model = (0..<Int.random(in: 0...6, using: &random)).map { _ in random.guid() }
            var ids = DirectoryObjectIDs(model)
            for _ in 0..<20 {
                let id = Self.id(&random)
                switch Int.random(in: 0..<12, using: &random) {
                case 0:
                    model.append(id)
                    ids.append(id)
                case 1:
                    let position = Int.random(in: 0...model.count, using: &random)
                    model.insert(id, at: position)
                    ids.insert(id, at: position)
                case 2 where !model.isEmpty:
                    let position = Int.random(in: 0..<model.count, using: &random)
                    #expect(model.remove(at: position) == ids.remove(at: position))
                case 3 where !model.isEmpty:
                    let position = Int.random(in: 0..<model.count, using: &random)
                    model[position] = id
                    ids[position] = id
                case 4:
                    let lower = Int.random(in: 0...model.count, using: &random)
                    let range = lower..<Int.random(in: lower...model.count, using: &random)
                    let added = (0..<Int.random(in: 0...3, using: &random)).map { _ in Self.id(&random) }
                    model.replaceSubrange(range, with: added)
                    ids.replaceSubrange(range, with: added)
                case 5:
                    model.sort()
                    ids.sort()
                case 6:
                    let gone = model.randomElement(using: &random) ?? id
                    model.removeAll { $0 == gone }
                    if random.chance(0.5) { ids.removeAll { $0 == gone } } else { ids.removeAll(gone) }
                case 7:
                    let other = (0..<Int.random(in: 0...3, using: &random)).map { _ in Self.id(&random) }
                    model += other
                    if random.chance(0.5) { ids += other } else { ids += DirectoryObjectIDs(other) }
                    if random.chance(0.1) {
                        model += model
                        ids += ids
                    }
                case 8 where model.count >= 2:
                    let (a, b) = (Int.random(in: 0..<model.count, using: &random), Int.random(in: 0..<model.count, using: &random))
                    model.swapAt(a, b)
                    ids.swapAt(a, b)
                case 9 where !model.isEmpty:
                    let lower = Int.random(in: 0..<model.count, using: &random)
                    let range = lower..<Int.random(in: lower...model.count, using: &random)
                    model.removeSubrange(range)
                    ids.removeSubrange(range)
                    if !model.isEmpty { #expect(model.removeFirst() == ids.removeFirst()) }
                case 10:
                    let added = (0..<Int.random(in: 0...3, using: &random)).map { _ in Self.id(&random) }
                    let lower = Int.random(in: 0...model.count, using: &random)
                    let range = lower..<Int.random(in: lower...model.count, using: &random)
                    model[range] = ArraySlice(added)
                    ids.replaceSubrange(range, with: DirectoryObjectIDs(added))
                default:
                    model.reverse()
                    ids.reverse()
                }
                #expect(Array(ids) == model)
                #expect(ids.count == model.count)
                let probe = random.chance(0.5) ? (model.randomElement(using: &random) ?? id) : id
                #expect(ids.contains(probe) == model.contains(probe))
                #expect(ids.firstIndex(of: probe) == model.firstIndex(of: probe))
                let fresh = DirectoryObjectIDs(model)
                #expect(ids == fresh)
                #expect(ids.hashValue == fresh.hashValue)
                #expect(ids.objectKeys == model.map(ObjectKey.init))
                #expect((fresh.packedGUIDs != nil) == model.allSatisfy { PackedGUID($0) != nil })
                if Array(ids) != model { return }
            }
        }
    }

    @Test("lists of other ids are unequal, whichever way each keeps its ids (seeded)")
    func inequality() {
        var random = SeededRandomNumberGenerator(seed: 4)
        for _ in 0..<2_000 {
            let left = (0..<Int.random(in: 0...3, using: &random)).map { _ in Self.id(&random) }
            let right = random.chance(0.3) ? left : (0..<Int.random(in: 0...3, using: &random)).map { _ in Self.id(&random) }
            var kept = DirectoryObjectIDs(left + ["not-a-guid"])
            kept.removeLast()
            #expect(kept.packedGUIDs == nil)
            #expect((kept == DirectoryObjectIDs(right)) == (left == right))
            #expect((DirectoryObjectIDs(left) == DirectoryObjectIDs(right)) == (left == right))
        }
    }

    @Test("a packed GUID's string is the one it was made from: every digit at every place (seeded)")
    func guidStrings() {
        var random = SeededRandomNumberGenerator(seed: 5)
        let digits = Array("0123456789abcdef")
        for _ in 0..<2_000 {
            var text = Array(random.guid())
            let place = [0, 7, 9, 12, 14, 17, 19, 22, 24, 35].randomElement(using: &random)!
            text[place] = digits.randomElement(using: &random)!
            let id = String(text)
            #expect(PackedGUID(id)?.id == id)
        }
    }

    @Test("sorting packed ids gives the strings' order (seeded)")
    func sorting() {
        var random = SeededRandomNumberGenerator(seed: 6)
        for _ in 0..<200 {
            // Digits from a small set, so that many GUIDs share long prefixes.
            let guids = (0..<Int.random(in: 0...40, using: &random)).map { _ in
                String((0..<36).map { [8, 13, 18, 23].contains($0) ? "-" : "0f9a".randomElement(using: &random)! })
            }
            var ids = DirectoryObjectIDs(guids)
            #expect(ids.packedGUIDs != nil)
            ids.sort()
            #expect(Array(ids) == guids.sorted())
        }
    }

    @Test("JSON: an array of strings each way, as [String] reads and writes (seeded)")
    func json() throws {
        var random = SeededRandomNumberGenerator(seed: 7)
        let encoder = JSONEncoder.deterministic()
        for _ in 0..<500 {
            let model = (0..<Int.random(in: 0...5, using: &random)).map { _ in Self.id(&random) }
            let data = try encoder.encode(DirectoryObjectIDs(model))
            #expect(data == (try encoder.encode(model)))
            #expect(try JSONDecoder().decode(DirectoryObjectIDs.self, from: data) == DirectoryObjectIDs(model))
        }
        #expect(DirectoryObjectIDs(["a", "b"]).description == ["a", "b"].description)
    }

    @Test("an encoder that makes each id's string once writes the same bytes, and hands out one string per id (seeded)")
    func stringsMadeOnce() throws {
        var random = SeededRandomNumberGenerator(seed: 8)
        let pool = (0..<20).map { _ in Self.id(&random) }
        let groups = (0..<50).map { number in
            DirectoryGroup(
                id: "g\(number)", displayName: "G",
                memberUserIDs: DirectoryObjectIDs((0..<Int.random(in: 0...12, using: &random)).map { _ in pool.randomElement(using: &random)! }))
        }
        let plain = JSONEncoder.deterministic()
        let sharing = JSONEncoder.deterministic()
        sharing.userInfo[ObjectIDStrings.key] = ObjectIDStrings()
        #expect(try sharing.encode(groups) == plain.encode(groups))
        let strings = ObjectIDStrings()
        let guid = try #require(PackedGUID(random.guid()))
        func address(_ text: String) -> UInt? { text.utf8.withContiguousStorageIfAvailable { UInt(bitPattern: $0.baseAddress) } ?? nil }
        #expect(strings.string(guid) == guid.id)
        let (first, second) = (strings.string(guid), strings.string(guid))
        #expect(address(first) == address(second), "the second time, the string made the first time")
    }
}
