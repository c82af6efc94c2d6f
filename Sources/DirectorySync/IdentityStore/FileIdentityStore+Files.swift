import Foundation

/// The files of a ``FileIdentityStore`` and how they are read: a base (`identities.base`, the whole
/// store as of one compaction) and a log (`identities.log`, every write since), both in
/// ``RecordFile`` framing, each opening with a header record that names the compaction's
/// generation (and, in the base, how many changes follow).
///
/// Only the states a writer can leave are accepted: a log of the base's generation, or of the
/// generation before it (a crash between the two renames of a compaction: that log was folded
/// into the base). A log of a later generation means a
/// compaction happened while the files were read, and they are read again. Anything else is
/// damage. Stores written before the framing (`identities.json` and a log of JSON lines) are read
/// too, and rewritten by the next writer.
struct IdentityStoreFiles {
    let folder: URL
    var base: URL { folder.appendingPathComponent("identities.base") }
    var log: URL { folder.appendingPathComponent("identities.log") }
    var legacyBase: URL { folder.appendingPathComponent("identities.json") }

    /// The format written: 3 since records have their designed JSON (`{"kind": "putUser", …}`).
    /// Format 2 files (records in Swift's synthesized form) are read, and rewritten by a writer;
    /// a version that reads only format 2 sees a format 3 file as foreign instead of misreading it.
    static let format = 3
    /// The formats read.
    static let readableFormats = 2...3

    struct Header: Codable, Equatable {
        var file: String
        var format: Int
        var generation: Int
        /// The changes that follow (the base only).
        var changes: Int?
    }

    /// What one file holds up to its end or its damage.
    struct Part {
        var path: String
        var changes: [StoreChange] = []
        var bytes = 0
        /// `nil` when the header is missing or damaged (or the file is in the earlier format).
        var generation: Int?
        var end: RecordFile.End = .clean
        /// Whole records that precede the end.
        var validLength = 0
        /// The checksum of the last whole record, which the next appended record chains to.
        var lastChecksum: UInt32 = 0
        /// The format of a file written by a newer version of DirectorySync, which this one must
        /// neither read nor repair.
        var newerFormat: Int?

        mutating func damage(_ reason: String) {
            if case .damaged = end { return }
            end = .damaged(offset: 0, record: 0, reason: reason)
            validLength = 0
            changes = []
        }
    }

    /// Both files as read together.
    struct Reading {
        var base: Part?
        var log: Part?
        /// The log was already folded into the base.
        var logIsStale = false
        var isLegacy = false

        /// The format of a file written by a newer version, if either is.
        var newerFormat: Int? { base?.newerFormat ?? log?.newerFormat }

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
            guard let log = reading.log?.generation, let base = reading.base?.generation, log > base else { return reading }
            reading = try readOnce()
        }
        reading.log?.damage("the log is of a later compaction than the base")
        return reading
    }

    private func readOnce() throws -> Reading {
        var reading = Reading()
        let legacyBaseExists = FileManager.default.fileExists(atPath: legacyBase.path)
        if let data = try OwnerOnlyFile.read(base) {
            reading.base = part(data, path: base.path, file: "base")
        } else if let data = try OwnerOnlyFile.read(legacyBase) {
            reading.isLegacy = true
            reading.base = legacyPart(data, path: legacyBase.path, lines: false)
        }
        let logData = try OwnerOnlyFile.read(log)
        let logIsLegacy = logData.map { $0.isEmpty || $0.first == UInt8(ascii: "{") } ?? false
        guard let logData else {
            // A compaction writes the base, then the log: a base without a log lost its writes.
            // The base's own records are whole, so repair keeps them.
            if reading.base != nil, !reading.isLegacy {
                reading.log = Part(path: log.path, end: .damaged(offset: 0, record: 0, reason: "the log is missing"))
            }
            return reading
        }
        guard let base = reading.base, !reading.isLegacy else {
            reading.log = logIsLegacy ? legacyPart(logData, path: log.path, lines: true) : part(logData, path: log.path, file: "log")
            if !logIsLegacy { reading.log?.damage("it is a log of the current format, but its base '\(self.base.lastPathComponent)' is missing") }
            return reading
        }
        if logIsLegacy {
            // Left by a crash while a store of the earlier format was rewritten: folded into the base.
            reading.log = legacyPart(logData, path: log.path, lines: true)
            reading.logIsStale = legacyBaseExists
            if !legacyBaseExists { reading.log?.damage("it is not in the store's format (its header is missing)") }
            return reading
        }
        var logPart = part(logData, path: log.path, file: "log")
        if let logGeneration = logPart.generation, let baseGeneration = base.generation {
            if logGeneration == baseGeneration - 1 {
                reading.logIsStale = true
            } else if logGeneration < baseGeneration {
                logPart.damage("the log is of compaction \(logGeneration), the base of \(baseGeneration)")
            }
        }
        reading.log = logPart
        return reading
    }

    private func part(_ data: Data, path: String, file: String) -> Part {
        var part = Part(path: path, bytes: data.count)
        let scan = RecordFile.scan(data)
        part.end = scan.end
        part.validLength = scan.validLength
        part.lastChecksum = scan.lastChecksum
        guard let first = scan.payloads.first else {
            part.damage("the file has no header record")
            return part
        }
        let header = try? JSONDecoder().decode(Header.self, from: first)
        if let header, header.file == file, header.format > Self.format {
            part.damage("it was written by a newer version of DirectorySync (format \(header.format); this version reads up to \(Self.format)); upgrade DirectorySync, and do not repair it with this one")
            part.newerFormat = header.format
            return part
        }
        guard let header, header.file == file, Self.readableFormats.contains(header.format), header.generation > 0,
            (file == "base") == (header.changes != nil)
        else {
            part.damage("the first record is not a \(file) header of format \(Self.readableFormats.lowerBound) to \(Self.format)")
            return part
        }
        part.generation = header.generation
        let decoder = JSONDecoder()
        var offset = first.count + RecordFile.overhead
        for (index, payload) in scan.payloads.dropFirst().enumerated() {
            guard let change = try? decoder.decode(StoreChange.self, from: payload) else {
                part.end = .damaged(offset: offset, record: index + 1, reason: "the record's checksum matches but it holds no store change")
                part.validLength = offset
                return part
            }
            part.changes.append(change)
            offset += payload.count + RecordFile.overhead
        }
        if let expected = header.changes, scan.end == .clean, part.changes.count != expected {
            part.end = .damaged(offset: offset, record: part.changes.count + 1, reason: "the base holds \(part.changes.count) of its \(expected) changes")
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
                part.damage("it is not the JSON array of store changes it should be")
            }
            return part
        }
        var offset = 0
        let bytes = [UInt8](data)
        var index = 0
        while offset < bytes.count {
            let newline = bytes[offset...].firstIndex(of: 0x0A)
            guard let newline else {
                part.end = .torn(offset: offset)
                part.validLength = offset
                return part
            }
            guard let change = try? decoder.decode(StoreChange.self, from: Data(bytes[offset..<newline])) else {
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

    /// A whole base file: its header, then every change.
    static func baseFile(generation: Int, changes: [StoreChange]) throws -> Data {
        let encoder = JSONEncoder()
        let header = try encoder.encode(Header(file: "base", format: format, generation: generation, changes: changes.count))
        return RecordFile.frame([header] + (try changes.map { try encoder.encode($0) }))
    }

    /// A new, empty log: its header, and the checksum the first appended record chains to.
    static func logFile(generation: Int) throws -> (bytes: Data, checksum: UInt32) {
        RecordFile.frame(try JSONEncoder().encode(Header(file: "log", format: format, generation: generation)), after: 0)
    }
}
