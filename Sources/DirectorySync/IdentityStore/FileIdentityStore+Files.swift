import Foundation

/// The files of a ``FileIdentityStore`` and how they are read: a base (`identities.base`, the whole
/// store as of one compaction) and a log (`identities.log`, every write since), both in
/// ``RecordFile`` framing, each opening with a header record that names the compaction's
/// generation. A log whose generation is older than the base's was already folded into it (a crash
/// between the two renames of a compaction); one that is newer means a compaction happened while
/// the files were read, and they are read again. Stores written before the framing existed
/// (`identities.json` and a log of JSON lines) are read too, and rewritten by the next writer.
struct IdentityStoreFiles {
    let folder: URL
    var base: URL { folder.appendingPathComponent("identities.base") }
    var log: URL { folder.appendingPathComponent("identities.log") }
    var legacyBase: URL { folder.appendingPathComponent("identities.json") }

    static let format = 2

    struct Header: Codable, Equatable {
        var file: String
        var format: Int
        var generation: Int
    }

    /// What one file holds up to its end or its damage.
    struct Part {
        var path: String
        var changes: [StoreChange] = []
        var bytes = 0
        var generation = 0
        var end: RecordFile.End = .clean
        /// Whole records that precede the end.
        var validLength = 0
    }

    /// Both files as read together.
    struct Reading {
        var base: Part?
        var log: Part?
        /// The log was already folded into the base.
        var logIsStale = false
        var isLegacy = false

        /// The first damage, base before log (a torn log tail is not damage).
        var damage: (part: Part, offset: Int, record: Int, reason: String)? {
            for part in [base, logIsStale ? nil : log].compactMap({ $0 }) {
                if case .damaged(let offset, let record, let reason) = part.end { return (part, offset, record, reason) }
                if part.path == base?.path, case .torn(let offset) = part.end {
                    return (part, offset, part.changes.count, "the base is cut short (it is written whole, so this is damage)")
                }
            }
            return nil
        }

        /// Every change to replay, in order.
        var changes: [StoreChange] { (base?.changes ?? []) + (logIsStale ? [] : log?.changes ?? []) }

        /// The byte offset of a torn last log record, when the log ends in one.
        var tornLogOffset: Int? {
            guard !logIsStale, case .torn(let offset) = log?.end else { return nil }
            return offset
        }
    }

    /// Reads both files, again when a compaction replaced them meanwhile.
    /// - Throws: ``OwnerOnlyFile/Problem`` when a file is unreadable or untrusted.
    func read() throws -> Reading {
        var reading = try readOnce()
        for _ in 0..<20 {
            guard let log = reading.log, let base = reading.base, !reading.isLegacy, log.generation > base.generation else { return reading }
            reading = try readOnce()
        }
        reading.log?.end = .damaged(offset: 0, record: 0, reason: "the log is of a later compaction than the base")
        reading.log?.validLength = 0
        return reading
    }

    private func readOnce() throws -> Reading {
        var reading = Reading()
        if let data = try OwnerOnlyFile.read(base) {
            reading.base = part(data, path: base.path, file: "base")
        } else if let data = try OwnerOnlyFile.read(legacyBase) {
            reading.isLegacy = true
            reading.base = legacyPart(data, path: legacyBase.path, lines: false)
        }
        if let data = try OwnerOnlyFile.read(log) {
            if data.isEmpty || data.first == UInt8(ascii: "{") {
                // A log of JSON lines (or the empty log), from before the framing: older than any framed base.
                reading.log = legacyPart(data, path: log.path, lines: true)
                reading.logIsStale = reading.base != nil && !reading.isLegacy
            } else {
                let logPart = part(data, path: log.path, file: "log")
                reading.log = logPart
                if let base = reading.base, !reading.isLegacy {
                    reading.logIsStale = logPart.generation < base.generation
                } else {
                    reading.log?.end = .damaged(offset: 0, record: 0, reason: "its base '\(base.lastPathComponent)' is missing")
                    reading.log?.validLength = 0
                }
            }
        }
        return reading
    }

    private func part(_ data: Data, path: String, file: String) -> Part {
        var part = Part(path: path, bytes: data.count)
        let scan = RecordFile.scan(data)
        part.end = scan.end
        part.validLength = scan.validLength
        guard let first = scan.payloads.first else {
            if scan.end == .clean { part.end = .damaged(offset: 0, record: 0, reason: "the file has no header record") }
            return part
        }
        guard let header = try? JSONDecoder().decode(Header.self, from: first), header.file == file, header.format == Self.format else {
            part.end = .damaged(offset: 0, record: 0, reason: "the first record is not a \(file) header of format \(Self.format)")
            part.validLength = 0
            return part
        }
        part.generation = header.generation
        let decoder = JSONDecoder()
        var offset = RecordFile.frame(first).count
        for (index, payload) in scan.payloads.dropFirst().enumerated() {
            guard let change = try? decoder.decode(StoreChange.self, from: payload) else {
                part.end = .damaged(offset: offset, record: index + 1, reason: "the record's checksum matches but it holds no store change")
                part.validLength = offset
                return part
            }
            part.changes.append(change)
            offset += payload.count + 19
        }
        return part
    }

    /// `identities.json` (one JSON array) or a log of JSON lines, as written before the framing.
    private func legacyPart(_ data: Data, path: String, lines: Bool) -> Part {
        var part = Part(path: path, bytes: data.count, validLength: data.count)
        let decoder = JSONDecoder()
        guard lines else {
            do {
                part.changes = try decoder.decode([StoreChange].self, from: data)
            } catch {
                part.end = .damaged(offset: 0, record: 0, reason: "it is not the JSON array of store changes it should be")
                part.validLength = 0
            }
            return part
        }
        var offset = 0
        let bytes = [UInt8](data)
        var index = 0
        while offset < bytes.count {
            let newline = bytes[offset...].firstIndex(of: 0x0A)
            let line = Data(bytes[offset..<(newline ?? bytes.count)])
            guard let newline else {
                part.end = .torn(offset: offset)
                part.validLength = offset
                return part
            }
            guard let change = try? decoder.decode(StoreChange.self, from: line) else {
                part.end = .damaged(offset: offset, record: index, reason: "the line is not a store change")
                part.validLength = offset
                return part
            }
            part.changes.append(change)
            offset = newline + 1
            index += 1
        }
        return part
    }

    /// The header record of a new file.
    static func headerRecord(_ file: String, generation: Int) -> Data {
        // Encoding a struct of strings and integers cannot fail.
        RecordFile.frame((try? JSONEncoder().encode(Header(file: file, format: format, generation: generation))) ?? Data())
    }
}
