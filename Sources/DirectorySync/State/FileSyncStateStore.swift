import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Saved state as JSON files in a folder: one file per source and key
/// (`<folder>/<source>/<name>.json`), written atomically (a temporary file renamed over the old
/// one) while holding an exclusive lock on `<folder>/.lock`, so concurrent writers — threads or
/// processes — can never leave a half-written or mixed file. Files are readable by the owner only.
public actor FileSyncStateStore: SyncStateStore {
    /// The folder holding the state.
    public let folder: URL

    /// Opens (and creates, owner-only) a state folder.
    /// - Parameter folder: The folder.
    /// - Throws: File-system errors.
    public init(folder: URL) throws {
        self.folder = folder
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    }

    public func data(for key: StateKey) async throws -> Data? {
        let url = file(for: key)
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        return try Data(contentsOf: url)
    }

    public func setData(_ data: Data?, for key: StateKey) async throws {
        let url = file(for: key)
        try withLock {
            guard let data else {
                if FileManager.default.fileExists(atPath: url.path) { try FileManager.default.removeItem(at: url) }
                return
            }
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            try OwnerOnlyFile.write(data, to: url)
        }
    }

    /// The file for a key; source and name are percent-encoded so no key can reach outside the folder.
    nonisolated func file(for key: StateKey) -> URL {
        folder.appendingPathComponent(Self.safe(key.sourceID.rawValue), isDirectory: true)
            .appendingPathComponent(Self.safe(key.name) + ".json")
    }

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
        let path = folder.appendingPathComponent(".lock").path
        let descriptor = open(path, O_CREAT | O_RDWR, 0o600)
        guard descriptor >= 0 else { throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path]) }
        defer { close(descriptor) }
        flock(descriptor, LOCK_EX)
        defer { flock(descriptor, LOCK_UN) }
        return try body()
    }
}

extension String {
    fileprivate func leftPadding(_ width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
