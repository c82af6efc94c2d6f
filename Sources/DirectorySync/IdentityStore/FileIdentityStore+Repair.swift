import Foundation

extension FileIdentityStore {
    /// What ``FileIdentityStore/check(folder:)`` found in one file.
    public struct FileHealth: Sendable, Hashable, Codable {
        /// The file's path.
        public var path: String
        /// Its size in bytes.
        public var bytes: Int
        /// The whole store changes it holds before its end or its damage.
        public var records: Int
        /// Where the damage starts (a byte offset), when the file is damaged.
        public var damageOffset: Int?
        /// What is wrong there.
        public var damage: String?
        /// The file ends in a record cut short by a crash (not damage: a writer drops it).
        public var tornTail: Bool
        /// The log was already folded into the base by a compaction that a crash interrupted.
        public var stale: Bool
    }

    /// What ``FileIdentityStore/check(folder:)`` found.
    public struct Health: Sendable, Hashable, Codable, CustomStringConvertible {
        /// The store's folder.
        public var folder: String
        /// Each file of the store that exists.
        public var files: [FileHealth]
        /// Users and groups changes that a writer would keep.
        public var records: Int

        /// The format of a file a newer version of DirectorySync wrote, if any: this version neither
        /// reads nor repairs the store (upgrade instead).
        public var newerFormat: Int?

        /// No file is damaged (a torn last log record is not damage).
        public var isHealthy: Bool { files.allSatisfy { $0.damage == nil } }

        /// One line per file, then the verdict.
        public var description: String {
            var lines = files.map { file in
                var line = "\(file.path): \(file.bytes) bytes, \(file.records) \(file.records == 1 ? "change" : "changes")"
                if let damage = file.damage, let offset = file.damageOffset { line += "; DAMAGED at byte \(offset): \(damage)" }
                if file.tornTail { line += "; ends in a record cut short by a crash (never acknowledged; the next writer drops it)" }
                if file.stale { line += "; already folded into the base (the next writer replaces it)" }
                return line
            }
            if files.isEmpty { lines.append("\(folder): no store files yet") }
            if let newerFormat {
                lines.append("The store was written by a newer version of DirectorySync (format \(newerFormat)): upgrade DirectorySync; do not repair it with this version.")
            } else {
                lines.append(isHealthy ? "The store is healthy." : "The store is damaged; 'store repair' keeps every write before the damage and backs up the damaged files.")
            }
            return lines.joined(separator: "\n")
        }
    }

    /// What ``FileIdentityStore/repair(folder:)`` did.
    public struct RepairReport: Sendable, Hashable, Codable, CustomStringConvertible {
        /// The store changes kept (everything before the first damage).
        public var keptRecords: Int
        /// The bytes of damaged files that were not kept.
        public var droppedBytes: Int
        /// Where copies of the damaged files were put, when anything was damaged.
        public var backupFolder: String?

        /// A sentence for people.
        public var description: String {
            guard let backupFolder else { return "Nothing to repair: the store is healthy (\(keptRecords) changes)." }
            return "Kept \(keptRecords) \(keptRecords == 1 ? "change" : "changes") from before the damage and dropped \(droppedBytes) damaged \(droppedBytes == 1 ? "byte" : "bytes"); the damaged files were copied to '\(backupFolder)'. The next synchronization restores what the directory still has."
        }
    }

    /// Reads the store's files and reports damage; changes nothing and takes no lock.
    /// - Parameter folder: The store's folder.
    /// - Returns: What each file holds and where it is damaged.
    /// - Throws: ``IdentityStoreError`` with code `unavailable` when a file cannot be read or trusted.
    public static func check(folder: URL) throws -> Health {
        let reading = try unavailable(folder) { try IdentityStoreFiles(folder: folder).read() }
        let files = [reading.base, reading.log].compactMap { $0 }.map { part in
            var health = FileHealth(
                path: part.path, bytes: part.bytes, records: part.changes.count, damageOffset: nil, damage: nil, tornTail: false,
                stale: part.path == reading.log?.path && reading.logIsStale)
            switch part.end {
            case .clean: break
            case .torn(let offset):
                if part.path == reading.base?.path {
                    health.damageOffset = offset
                    health.damage = "the base is cut short (it is written whole, so this is damage)"
                } else {
                    health.tornTail = true
                }
            case .damaged(let offset, _, let reason):
                health.damageOffset = offset
                health.damage = reason
            }
            return health
        }
        var health = Health(folder: folder.path, files: files, records: reading.changes.count)
        health.newerFormat = reading.newerFormat
        return health
    }

    /// Refuses a store a newer version wrote: neither read nor repaired, nothing changed.
    static func refuseNewer(_ reading: IdentityStoreFiles.Reading, folder: URL) throws {
        guard let format = reading.newerFormat else { return }
        throw IdentityStoreError(
            .newerFormat, detail: "the store in '\(folder.path)' was written by a newer version of DirectorySync (format \(format); this version reads up to \(IdentityStoreFiles.format))")
    }

    /// Repairs a damaged store: keeps every change before the first damage (in the base, then
    /// the log; a damaged base drops the whole log), copies the damaged files into
    /// `<folder>/backup/`, and writes a new base and log. A healthy store is left as it is.
    /// - Parameter folder: The store's folder.
    /// - Returns: What was kept and where the backup is.
    /// - Throws: ``IdentityStoreError`` with code `unavailable` when the store is open for writing
    ///   elsewhere, or a file cannot be read, written or trusted.
    public static func repair(folder: URL) async throws -> RepairReport {
        try prepare(folder)
        let lock = try lockFolder(folder)
        defer { posixClose(lock) }
        let files = IdentityStoreFiles(folder: folder)
        let reading = try unavailable(folder) { try files.read() }
        // Never "repaired" down to nothing: this version does not understand the newer files.
        try refuseNewer(reading, folder: folder)
        guard let damage = reading.damage else { return RepairReport(keptRecords: reading.changes.count, droppedBytes: 0, backupFolder: nil) }
        var kept = damage.part.changes
        var dropped = damage.part.bytes - damage.part.validLength
        if damage.part.path == reading.base?.path {
            dropped += reading.logIsStale ? 0 : reading.log?.bytes ?? 0
        } else {
            kept = (reading.base?.changes ?? []) + kept
        }
        let backup = try unavailable(folder) { try backUp([files.base, files.legacyBase, files.log], in: folder, note: "generation-\(reading.base?.generation ?? 0)-damaged") }
        let generation = max(reading.base?.generation ?? 0, reading.log?.generation ?? 0, 1) + 1
        let base = try IdentityStoreFiles.baseFile(generation: generation, changes: kept)
        let log = try IdentityStoreFiles.logFile(generation: generation)
        try unavailable(folder) {
            try OwnerOnlyFile.write(base, to: files.base)
            try OwnerOnlyFile.write(log.bytes, to: files.log)
        }
        try? FileManager.default.removeItem(at: files.legacyBase)
        return RepairReport(keptRecords: kept.count, droppedBytes: dropped, backupFolder: backup?.path)
    }
}
