/// Directory object ids to numbers (positions): packed GUIDs in an open-addressing table, one
/// entry per cache line fetch and hashed by a multiply of their own bits (not SipHash), other ids
/// in a dictionary.
///
/// A plan looks up every member of every group here — millions of lookups at a million users — so
/// a lookup costs one memory access where a `Dictionary<ObjectKey, Int32>` costs three (the
/// occupancy bitmap, the key and the value arrays) and a keyed hash.
struct ObjectKeyTable {
    private struct Entry {
        var high: UInt64
        var low: UInt64
        /// -1 for an empty entry.
        var value: Int32
    }

    private var entries: [Entry]
    private var shift: UInt64
    private var others: [String: Int32] = [:]
    /// Mixed into the hash, so ids chosen to collide cannot slow every plan down.
    private let seed: UInt64
    private(set) var count = 0

    /// A table for about `capacity` ids.
    init(capacity: Int) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        entries = Array(repeating: Entry(high: 0, low: 0, value: -1), count: size)
        shift = UInt64(64 - size.trailingZeroBitCount)
        seed = UInt64.random(in: .min ... .max) | 1
    }

    @inline(__always)
    private func slot(_ high: UInt64, _ low: UInt64) -> Int {
        Int(truncatingIfNeeded: ((high ^ (low &* seed)) &* 0x9E37_79B9_7F4A_7C15) >> shift)
    }

    /// The number stored for the key, if any.
    func value(for key: ObjectKey) -> Int32? {
        switch key {
        case .other(let id): return others[id]
        case .guid(let high, let low):
            return entries.withUnsafeBufferPointer { entries in
                var index = slot(high, low)
                let mask = entries.count - 1
                while true {
                    let entry = entries[index]
                    if entry.value < 0 { return nil }
                    if entry.high == high && entry.low == low { return entry.value }
                    index = (index + 1) & mask
                }
            }
        }
    }

    /// Stores `value` for the key, replacing the number stored before.
    mutating func set(_ value: Int32, for key: ObjectKey) {
        switch key {
        case .other(let id):
            if others.updateValue(value, forKey: id) == nil { count += 1 }
        case .guid(let high, let low):
            if (count + 1) * 2 > entries.count { grow() }
            let mask = entries.count - 1
            var index = slot(high, low)
            let inserted = entries.withUnsafeMutableBufferPointer { entries in
                while true {
                    if entries[index].value < 0 {
                        entries[index] = Entry(high: high, low: low, value: value)
                        return true
                    }
                    if entries[index].high == high && entries[index].low == low {
                        entries[index].value = value
                        return false
                    }
                    index = (index + 1) & mask
                }
            }
            if inserted { count += 1 }
        }
    }

    private mutating func grow() {
        let old = entries
        entries = Array(repeating: Entry(high: 0, low: 0, value: -1), count: old.count * 2)
        shift -= 1
        let mask = entries.count - 1
        for entry in old where entry.value >= 0 {
            var index = slot(entry.high, entry.low)
            while entries[index].value >= 0 { index = (index + 1) & mask }
            entries[index] = entry
        }
    }
}
