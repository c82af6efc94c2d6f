import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Files only their owner can read, written whole or not at all, and read only when they can be
/// trusted — as ssh treats `~/.ssh`. The state store, the secret store and the file identity store
/// read and write through it.
///
/// - Writing: the data goes to a temporary file in the same folder, created owner-only (0600)
///   before a byte is written and synced to disk, which then replaces the target in one `rename`;
///   the folder is synced too, so a crash leaves the old file or the new one, never a mix.
/// - Reading: a file owned by another user, writable by its group or by others, or that is not a
///   regular file (a link, a device) is refused, never read: another local user could have put it
///   there. Reading changes nothing, not even a mode.
/// - Folders: created 0700; an existing folder of ours with looser permissions is tightened; one
///   owned by another user is refused.
///
/// Hosts that keep files of their own beside the SDK's (a lock, a note for other processes, a
/// request to the process that owns a state folder, as the `dirsync` example does) use it too, so
/// that they follow the same rules:
///
/// ```swift
/// let control = folder.appendingPathComponent("control")
/// try OwnerOnlyFile.prepareFolder(control)
/// try OwnerOnlyFile.write(Data("ready".utf8), to: control.appendingPathComponent("note"))
/// let note = try OwnerOnlyFile.read(control.appendingPathComponent("note"))  // nil when missing
/// ```
public enum OwnerOnlyFile {
    /// A file or folder that cannot be trusted or used: the package's error shape, with the path.
    public struct Problem: DirectorySyncError {
        /// The stable codes of this error (``ErrorCode``); each is a static constant.
        public typealias Code = ErrorCode<OwnerOnlyFile.Problem>

        /// What went wrong.
        public var code: Code
        /// The path concerned.
        public var path: String
        /// The cause and the fix, as one sentence naming the path.
        public var detail: String

        /// Creates a problem.
        /// - Parameters:
        ///   - code: What went wrong.
        ///   - path: The path concerned.
        ///   - detail: The cause and the fix, naming the path.
        public init(_ code: Code, path: String, _ detail: String) {
            self.code = code
            self.path = path
            self.detail = detail
        }

        /// What to do; the detail already names the fix for this path, so this says what holds for all.
        public var fix: String {
            switch code {
            case .untrusted: "Nothing was read from it or changed."
            case .damaged: "Nothing was changed; restore the file from a backup or remove it to start that state afresh."
            default: "Nothing was changed."
            }
        }
    }

    /// Writes `data` to `url`, replacing what was there: the reader sees the old file or the new
    /// one, never a mix, and the new one is owner-only (0600) from its first byte.
    /// - Parameters:
    ///   - data: The whole contents.
    ///   - url: The file to write; its folder must exist.
    /// - Throws: ``Problem``; the target is then unchanged and no temporary file is left.
    public static func write(_ data: Data, to url: URL) throws {
        try replace(url) { descriptor in
            try data.withUnsafeBytes { buffer in
                var offset = 0
                while offset < buffer.count {
                    let written = systemWrite(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                    if written < 0 {
                        if errno == EINTR { continue }
                        throw problem(errno, writing: url.path)
                    }
                    offset += written
                }
            }
        }
    }

    /// Streams a file to `url`, replacing what was there, with ``write(_:to:)``'s guarantees. For
    /// files too large to hold in memory, such as preview exports.
    /// - Parameters:
    ///   - url: The file to write.
    ///   - body: Writes the contents to the handle it is given; it must not close the handle.
    /// - Throws: ``Problem``, or what `body` throws; the target is then unchanged and no temporary
    ///   file is left.
    package static func write(to url: URL, streaming body: (FileHandle) throws -> Void) throws {
        try replace(url) { descriptor in try body(FileHandle(fileDescriptor: descriptor, closeOnDealloc: false)) }
    }

    /// The one way a file is replaced: a temporary file in the same folder, owner-only (0600) from
    /// its creation whatever the umask, filled, synced, renamed over the target, and the folder
    /// synced — or removed again when anything fails, leaving the target as it was.
    private static func replace(_ url: URL, filling fill: (Int32) throws -> Void) throws {
        let folder = url.deletingLastPathComponent()
        let temporary = folder.appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp")
        let descriptor = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard descriptor >= 0 else { throw problem(errno, writing: temporary.path) }
        do {
            defer { close(descriptor) }
            try fill(descriptor)
            guard fsync(descriptor) == 0 else { throw problem(errno, writing: url.path) }
        } catch {
            unlink(temporary.path)
            throw error
        }
        guard rename(temporary.path, url.path) == 0 else {
            let failure = errno
            unlink(temporary.path)
            throw problem(failure, writing: url.path)
        }
        syncFolder(folder)
    }

    /// Reads a trusted file whole.
    /// - Parameter url: The file to read; a symbolic link is refused, not followed.
    /// - Returns: The contents, or `nil` when there is no such file.
    /// - Throws: ``Problem`` when the file is unreadable or untrusted (see the type's rules).
    public static func read(_ url: URL) throws -> Data? {
        // Non-blocking, so a FIFO put in a file's place cannot hang the reader before it is refused.
        let descriptor = open(url.path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)
        guard descriptor >= 0 else {
            if errno == ENOENT { return nil }
            throw problem(errno, reading: url.path)
        }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw problem(errno, reading: url.path) }
        try trust(info, path: url.path, folder: false)
        var data = Data(count: Int(info.st_size))
        var total = 0
        while true {
            if total == data.count { data.count += 64 * 1024 }
            let count = data.withUnsafeMutableBytes { systemRead(descriptor, $0.baseAddress! + total, $0.count - total) }
            if count < 0 {
                if errno == EINTR { continue }
                throw problem(errno, reading: url.path)
            }
            if count == 0 { break }
            total += count
        }
        data.count = total
        return data
    }

    /// Creates `url` owner-only (0700) with its missing parents, or checks an existing folder:
    /// tightened to 0700 when ours, refused when another user owns it or it is not a folder.
    /// - Parameters:
    ///   - url: The folder.
    ///   - followingLink: Whether `url` itself may be a symbolic link to a folder (a path a person
    ///     typed); folders inside the stores' own folders never may, or another user could point
    ///     one anywhere.
    ///   - creating: Whether a missing folder is created (else it is left missing).
    /// - Throws: ``Problem``.
    public static func prepareFolder(_ url: URL, followingLink: Bool = false, creating: Bool = true) throws {
        let flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC | (followingLink ? 0 : O_NOFOLLOW)
        var descriptor = open(url.path, flags)
        if descriptor < 0 && errno == ENOENT {
            guard creating else { return }
            do {
                try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                throw Problem(.unusable, path: url.path, "the folder '\(url.path)' cannot be created; check that its parent exists and is writable by this user")
            }
            descriptor = open(url.path, flags)
        }
        guard descriptor >= 0 else {
            if errno == ELOOP || errno == ENOTDIR {
                throw Problem(.untrusted, path: url.path, "'\(url.path)' is not a folder (a link or a file is in its place); DirectorySync follows no links here. Remove it")
            }
            throw problem(errno, reading: url.path)
        }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw problem(errno, reading: url.path) }
        try trust(info, path: url.path, folder: true)
        if info.st_mode & 0o077 != 0, fchmod(descriptor, 0o700) != 0 {
            throw Problem(.untrusted, path: url.path, "the folder '\(url.path)' is open to other users and cannot be made owner-only (chmod 700 it)")
        }
    }

    /// Opens (creating, 0600) a lock file for `flock`, refusing one that another user owns or that
    /// is not a regular file: another user's lock could otherwise keep every writer out.
    /// - Parameter url: The lock file; a symbolic link is refused, not followed.
    /// - Returns: The open descriptor; the caller closes it.
    /// - Throws: ``Problem``.
    public static func openLock(_ url: URL) throws -> Int32 {
        let descriptor = open(url.path, O_CREAT | O_RDWR | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0o600)
        guard descriptor >= 0 else { throw problem(errno, writing: url.path) }
        var info = stat()
        do {
            guard fstat(descriptor, &info) == 0 else { throw problem(errno, reading: url.path) }
            try trust(info, path: url.path, folder: false)
        } catch {
            close(descriptor)
            throw error
        }
        return descriptor
    }

    /// Refuses what another user owns or can change.
    private static func trust(_ info: stat, path: String, folder: Bool) throws {
        let kind = info.st_mode & S_IFMT
        guard kind == (folder ? S_IFDIR : S_IFREG) else {
            throw Problem(.untrusted, path: path, "'\(path)' is not a \(folder ? "folder" : "regular file"); DirectorySync reads no links or devices. Remove it")
        }
        guard info.st_uid == geteuid() else {
            throw Problem(
                .untrusted, path: path,
                "'\(path)' belongs to another user (uid \(info.st_uid)), so it cannot be trusted; DirectorySync uses only what its own user (uid \(geteuid())) owns. Find out who created it, then remove it")
        }
        guard folder || info.st_mode & 0o022 == 0 else {
            throw Problem(
                .untrusted, path: path,
                "'\(path)' is writable by other users (mode \(String(info.st_mode & 0o777, radix: 8))), so it cannot be trusted; check its contents, then chmod 600 it")
        }
    }

    private static func syncFolder(_ folder: URL) {
        let descriptor = open(folder.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        fsync(descriptor)
        close(descriptor)
    }

    private static func problem(_ code: Int32, reading path: String) -> Problem {
        Problem(.unusable, path: path, "'\(path)' cannot be read (\(String(cString: strerror(code)))); \(advice(code))")
    }

    private static func problem(_ code: Int32, writing path: String) -> Problem {
        Problem(.unusable, path: path, "'\(path)' cannot be written (\(String(cString: strerror(code)))); \(advice(code))")
    }

    private static func advice(_ code: Int32) -> String {
        switch code {
        case EACCES, EPERM: "give this user access to it (it should be owned by this user, mode 600 for files and 700 for folders)"
        case ELOOP: "it is a symbolic link, which DirectorySync does not follow; replace it with the file itself"
        case ENOSPC, EDQUOT: "free some disk space"
        case EROFS: "the file system is read-only"
        default: "check the file and its folder"
        }
    }
}

// `write` and `read` are also names of the type's members; these reach the C functions.
private func systemWrite(_ descriptor: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
    Glibc.write(descriptor, buffer, count)
    #else
    Darwin.write(descriptor, buffer, count)
    #endif
}

private func systemRead(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
    Glibc.read(descriptor, buffer, count)
    #else
    Darwin.read(descriptor, buffer, count)
    #endif
}

extension ErrorCode where Area == OwnerOnlyFile.Problem {
    /// Another user owns it or can change it, or it is a link, device or FIFO: never read.
    public static let untrusted = Self(rawValue: "untrusted")
    /// The system refused to create, read, write or remove it.
    public static let unusable = Self(rawValue: "unusable")
    /// Its contents fail their length or checksum: damaged, nothing was changed.
    public static let damaged = Self(rawValue: "damaged")
}
