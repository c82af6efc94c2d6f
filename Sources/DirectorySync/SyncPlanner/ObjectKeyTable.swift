/// Directory object ids to numbers (positions): packed GUIDs in an open-addressing table, one
/// entry per cache line fetch and hashed by a multiply of their own bits (not SipHash), other ids
/// in a dictionary.
///
/// A plan looks up every member of every group here — millions of lookups at a million users — so
/// a lookup costs one memory access where a `Dictionary<ObjectKey, Int32>` costs three (the
/// occupancy bitmap, the key and the value arrays) and a keyed hash.
struct ObjectKeyTable: Sendable {
    private struct Entry {
        var guid: PackedGUID
        /// -1 for an empty entry.
        var value: Int32

        /// An entry that holds no key.
        static let empty = Entry(guid: PackedGUID(high: 0, low: 0), value: -1)
    }

    private var entries: [Entry]
    private var shift: UInt64
    private var others: [String: Int32] = [:]
    /// Mixed into the hash, so ids chosen to collide cannot slow every plan down.
    private let seed: UInt64
    private(set) var count = 0

    /// A table for about `capacity` ids.
    init(capacity: Int) { self.init(capacity: capacity, seed: UInt64.random(in: .min ... .max)) }

    /// A table for about `capacity` ids whose hash mixes in `seed` (tests choose it, to place ids).
    init(capacity: Int, seed: UInt64) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        entries = Array(repeating: .empty, count: size)
        shift = UInt64(64 - size.trailingZeroBitCount)
        self.seed = seed | 1
    }

    @inline(__always)
    private func slot(_ guid: PackedGUID) -> Int { Self.slot(guid, seed: seed, shift: shift) }

    @inline(__always)
    private static func slot(_ guid: PackedGUID, seed: UInt64, shift: UInt64) -> Int {
        Int(truncatingIfNeeded: ((guid.high ^ (guid.low &* seed)) &* 0x9E37_79B9_7F4A_7C15) >> shift)
    }

    /// The number stored for the key, if any.
    func value(for key: ObjectKey) -> Int32? {
        switch key {
        case .other(let id): return others[id]
        case .guid(let guid):
            return entries.withUnsafeBufferPointer { entries in
                var index = slot(guid)
                let mask = entries.count - 1
                while true {
                    let entry = entries[index]
                    if entry.value < 0 { return nil }
                    if entry.guid == guid { return entry.value }
                    index = (index + 1) & mask
                }
            }
        }
    }

    /// The numbers stored for the ids, in order, leaving out ids without one. Packed ids are
    /// looked up without a string read or made (``DirectoryObjectIDs``).
    func values(for ids: DirectoryObjectIDs) -> [Int32] {
        var found = values(for: ids.objectKeys)
        found.removeAll { $0 < 0 }
        return found
    }

    /// The number stored for each key, -1 for a key without one: each key's entry read first, then
    /// all the keys probed.
    func values(for keys: [ObjectKey]) -> [Int32] {
        var result: [Int32] = []
        result.reserveCapacity(keys.count)
        entries.withUnsafeBufferPointer { entries in
            var touched: Int32 = 0
            let slots = keys.map { key -> Int in
                guard case .guid(let guid) = key else { return -1 }
                let index = slot(guid)
                touched &+= entries[index].value
                return index
            }
            let mask = entries.count - 1
            for (key, start) in zip(keys, slots) {
                guard start >= 0, case .guid(let guid) = key else {
                    if case .other(let id) = key { result.append(others[id] ?? -1) } else { result.append(-1) }
                    continue
                }
                var index = start
                while true {
                    let entry = entries[index]
                    if entry.value < 0 {
                        result.append(-1)
                        break
                    }
                    if entry.guid == guid {
                        result.append(entry.value)
                        break
                    }
                    index = (index + 1) & mask
                }
            }
            keepReads(touched)
        }
        return result
    }

    /// Stores `value` for the key, replacing the number stored before.
    mutating func set(_ value: Int32, for key: ObjectKey) {
        switch key {
        case .other(let id):
            if others.updateValue(value, forKey: id) == nil { count += 1 }
        case .guid(let guid):
            if (count + 1) * 2 > entries.count { grow() }
            let mask = entries.count - 1
            var index = slot(guid)
            let inserted = entries.withUnsafeMutableBufferPointer { entries in
                while true {
                    if entries[index].value < 0 {
                        entries[index] = Entry(guid: guid, value: value)
                        return true
                    }
                    if entries[index].guid == guid {
                        entries[index].value = value
                        return false
                    }
                    index = (index + 1) & mask
                }
            }
            if inserted { count += 1 }
        }
    }

    /// Stores each value for its key in order, as ``set(_:for:)`` one pair after another does.
    ///
    /// The table first grows to hold every pair as a new key. From `parallelFrom` pairs on, two
    /// cores each fill the entries of one half of the table with the packed GUIDs whose slot lies
    /// in it, and leave a key whose probe would run past its half to the rest. The rest are
    /// stored in turn, with the entries of a batch of keys read before any is stored: the reads
    /// overlap (see ``values(for:)-(ObjectKey)``). Either way each key ends where a lookup's probe
    /// finds it, and of repeated keys the last pair's value counts.
    mutating func set(_ pairs: [(value: Int32, key: ObjectKey)], parallelFrom: Int = 1 << 15) {
        while (count + pairs.count) * 2 > entries.count { grow() }
        let rest = pairs.count >= parallelFrom ? fillHalves(pairs) : Array(pairs.indices)
        var touched: Int32 = 0
        for start in stride(from: 0, to: rest.count, by: 64) {
            let batch = start..<min(start + 64, rest.count)
            entries.withUnsafeBufferPointer { entries in
                for place in batch {
                    guard case .guid(let guid) = pairs[rest[place]].key else { continue }
                    touched &+= entries[slot(guid)].value
                }
            }
            for place in batch { set(pairs[rest[place]].value, for: pairs[rest[place]].key) }
        }
        keepReads(touched)
    }

    /// Stores the packed GUIDs of `pairs` whose probes stay within the half of the table their
    /// slot lies in, each half on a core of its own, and returns the indices of the other pairs, in
    /// order. A repeated key's pairs share a slot and so a half, which stores them in order — or,
    /// once the probe runs past the half, leaves them all to the rest.
    private mutating func fillHalves(_ pairs: [(value: Int32, key: ObjectKey)]) -> [Int] {
        let (seed, shift, half) = (seed, shift, entries.count / 2)
        let results = entries.withUnsafeMutableBufferPointer { entries in
            let table = SharedPointer(entries.baseAddress!)
            return ParallelChunks.chunks(2, chunkSize: 1) { part in
                let region = part.lowerBound * half..<(part.lowerBound + 1) * half
                var (stored, rest) = (0, [Int]())
                for (place, pair) in pairs.enumerated() {
                    guard case .guid(let guid) = pair.key else {
                        if part.lowerBound == 0 { rest.append(place) }
                        continue
                    }
                    var index = Self.slot(guid, seed: seed, shift: shift)
                    guard region.contains(index) else { continue }
                    while true {
                        if index == region.upperBound {
                            rest.append(place)
                            break
                        }
                        let entry = table.base[index]
                        if entry.value < 0 {
                            table.base[index] = Entry(guid: guid, value: pair.value)
                            stored += 1
                            break
                        }
                        if entry.guid == guid {
                            table.base[index].value = pair.value
                            break
                        }
                        index += 1
                    }
                }
                return (stored, rest)
            }
        }
        count += results.reduce(0) { $0 + $1.0 }
        return (results[0].1 + results[1].1).sorted()
    }

    private mutating func grow() {
        let old = entries
        entries = Array(repeating: .empty, count: old.count * 2)
        shift -= 1
        let mask = entries.count - 1
        for entry in old where entry.value >= 0 {
            var index = slot(entry.guid)
            while entries[index].value >= 0 { index = (index + 1) & mask }
            entries[index] = entry
        }
    }
}
