import Foundation

/// Secrets as files in a folder of their own (`<folder>/<key>.secret`): the folder is readable by
/// the owner only (0700), each file too (0600), and a file is written whole under a temporary name
/// before it replaces the old one. A folder or file owned by another user, or a file others can
/// write, is refused, never read.
///
/// Keep this folder apart from state and exports: it is the one place secrets are written.
public struct FileSecretStore: SecretStore {
    /// The folder holding the secrets.
    public let folder: URL

    /// Opens (and creates, owner-only) a secrets folder.
    /// - Parameter folder: The folder.
    /// - Throws: ``SecretStoreError`` when the folder cannot be created.
    public init(folder: URL) throws {
        self.folder = folder
        do {
            try OwnerOnlyFile.prepareFolder(folder, followingLink: true)
        } catch let problem as OwnerOnlyFile.Problem {
            throw SecretStoreError(.storageFailed, key: SecretKey("*"), detail: problem.detail, underlying: problem)
        }
    }

    public func secret(for key: SecretKey) async throws -> Secret? {
        do {
            return try OwnerOnlyFile.read(file(for: key)).map { Secret(String(decoding: $0, as: UTF8.self)) }
        } catch let problem as OwnerOnlyFile.Problem {
            throw SecretStoreError(.storageFailed, key: key, detail: problem.detail, underlying: problem)
        }
    }

    public func setSecret(_ secret: Secret?, for key: SecretKey) async throws {
        let url = file(for: key)
        do {
            guard let secret else {
                if FileManager.default.fileExists(atPath: url.path) { try FileManager.default.removeItem(at: url) }
                return
            }
            try OwnerOnlyFile.write(Data(secret.reveal().utf8), to: url)
        } catch {
            throw SecretStoreError(.storageFailed, key: key, detail: "'\(url.path)' cannot be written", underlying: error)
        }
    }

    /// The file for a key; the key is percent-encoded so it can never reach outside the folder.
    func file(for key: SecretKey) -> URL {
        folder.appendingPathComponent(FileSyncStateStore.safe(key.rawValue) + ".secret")
    }
}
