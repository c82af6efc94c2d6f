import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Saved state as JSON files in a folder: one file per source and key
/// (`<folder>/<source>/<name>.json`, the JSON framed as one record — its length and
/// CRC-32 — so a damaged document is reported, never decoded around), written atomically (a temporary file renamed over the old
/// one) while holding an exclusive lock on `<folder>/.lock`, so concurrent writers — threads or
/// processes — can never leave a half-written or mixed file. Files are readable by the owner only,
/// and only trusted files are read: a folder or file owned by another user, or a file that others
/// can write, is refused with ``SyncStateError/unreadable(key:detail:underlying:)`` (see `OwnerOnlyFile`).
public actor FileSyncStateStore: SyncStateStore {
    /// The folder holding the state.
    public let folder: URL

    /// Opens (and creates, owner-only) a state folder.
    /// - Parameter folder: The folder.
    /// - Throws: ``SyncStateError/unreadable(key:detail:underlying:)`` when the folder cannot be created or
    ///   belongs to another user.
    public init(folder: URL) throws {
        self.folder = folder
        do {
            try OwnerOnlyFile.prepareFolder(folder, followingLink: true)
        } catch let problem as OwnerOnlyFile.Problem {
            throw SyncStateError.unreadable(key: folder.path, detail: problem.detail, underlying: problem)
        }
    }

    public func data(for key: StateKey) async throws -> Data? {
        let url = file(for: key)
        do {
            if FileManager.default.fileExists(atPath: url.deletingLastPathComponent().path) {
                try OwnerOnlyFile.prepareFolder(url.deletingLastPathComponent())
            }
            guard let data = try OwnerOnlyFile.read(url) else { return nil }
            return try Self.document(in: data, at: url)
        } catch let problem as OwnerOnlyFile.Problem {
            throw SyncStateError.unreadable(key: key.description, detail: problem.detail, underlying: problem)
        }
    }

    public func setData(_ data: Data?, for key: StateKey) async throws {
        let url = file(for: key)
        try withLock {
            do {
                guard let data else {
                    // Through a checked folder only: a link in a source folder's place must not
                    // make a removal reach elsewhere.
                    try OwnerOnlyFile.prepareFolder(url.deletingLastPathComponent(), creating: false)
                    if unlink(url.path) != 0 && errno != ENOENT {
                        throw OwnerOnlyFile.Problem(.unusable, path: url.path, "'\(url.path)' cannot be removed (\(String(cString: strerror(errno))))")
                    }
                    return
                }
                try OwnerOnlyFile.prepareFolder(url.deletingLastPathComponent())
                try OwnerOnlyFile.write(RecordFile.frame([data]), to: url)
            } catch let problem as OwnerOnlyFile.Problem {
                throw SyncStateError.unwritable(key: key.description, detail: problem.detail, underlying: problem)
            }
        }
    }

    /// A document as one ``RecordFile`` record, so damage is detected rather than decoded around;
    /// plain JSON is a document written before the framing.
    static func document(in data: Data, at url: URL) throws -> Data {
        if data.first == UInt8(ascii: "{") || data.first == UInt8(ascii: "[") { return data }
        let scan = RecordFile.scan(data)
        switch scan.end {
        case .clean where scan.payloads.count == 1: return scan.payloads[0]
        case .clean: throw OwnerOnlyFile.Problem(.damaged, path: url.path, "'\(url.path)' holds \(scan.payloads.count) records where one document belongs")
        case .torn(let offset) where scan.payloads.isEmpty:
            throw OwnerOnlyFile.Problem(
                .damaged, path: url.path, "'\(url.path)' is cut short: it is \(data.count) bytes long, and its document, from byte \(offset), is not whole (a document is written whole, so this is damage)")
        case .torn(let offset):
            throw OwnerOnlyFile.Problem(.damaged, path: url.path, "'\(url.path)' has \(data.count - offset) bytes after its document, from byte \(offset): a document is written whole, so this is damage")
        case .damaged(let offset, _, let reason): throw OwnerOnlyFile.Problem(.damaged, path: url.path, "'\(url.path)' is damaged at byte \(offset): \(reason)")
        }
    }

    /// The file for a key: `<source>/<name>.json`, or `_service/<name>.json` for the service's own
    /// state. Source and name are percent-encoded so no key can reach outside the folder; a source
    /// whose id is `_service` itself (in any case, for case-insensitive file systems) goes to `%5Fservice`,
    /// so no source's folder is the service's.
    nonisolated func file(for key: StateKey) -> URL {
        let owner = key.sourceID.map { id in
            let safe = Self.safe(id.rawValue)
            return safe.lowercased() == Self.serviceFolder ? "%5F" + safe.dropFirst() : safe
        } ?? Self.serviceFolder
        return folder.appendingPathComponent(owner, isDirectory: true).appendingPathComponent(Self.safe(key.name) + ".json")
    }

    /// The folder of the service's own state.
    static let serviceFolder = "_service"

    static func safe(_ text: String) -> String {
        var result = ""
        for byte in text.utf8 {
            let character = Character(Unicode.Scalar(byte))
            if character.isASCII && (character.isLetter || character.isNumber || character == "-" || character == "_") {
                result.append(character)
            } else {
                result += "%" + String(byte, radix: 16, uppercase: true).leftPadding(2)
            }
        }
        return result.isEmpty ? "%" : result
    }

    private func withLock<T>(_ body: () throws -> T) throws -> T {
        let descriptor: Int32
        do {
            descriptor = try OwnerOnlyFile.openLock(folder.appendingPathComponent(".lock"))
        } catch let problem as OwnerOnlyFile.Problem {
            throw SyncStateError.unwritable(key: folder.path, detail: problem.detail, underlying: problem)
        }
        defer { close(descriptor) }
        flock(descriptor, LOCK_EX)
        defer { flock(descriptor, LOCK_UN) }
        return try body()
    }
}

extension String {
    fileprivate func leftPadding(_ width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
