import DirectorySync
import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension AdminControl {
    /// The lock that makes one process the folder's owner.
    final class Ownership: Sendable {
        /// Who holds a folder, as it wrote down when it took it.
        struct Holder: Codable, Sendable {
            var pid: Int32
            var command: String
            var since: Date
        }

        private let descriptor: Int32

        private init(descriptor: Int32) { self.descriptor = descriptor }

        deinit { close(descriptor) }

        /// Takes the folder, or returns `nil` when another process holds it; `command` is written
        /// down for others to see (a probe passes `nil`). A lock held only for an instant — another
        /// process's probe — is tried again, `attempts` times in all.
        static func take(_ folder: URL, command: String?, attempts: Int = 1) throws -> Ownership? {
            for attempt in 1...max(1, attempts) {
                if let ownership = try takeOnce(folder, command: command) { return ownership }
                if attempt < attempts { usleep(50_000) }
            }
            return nil
        }

        private static func takeOnce(_ folder: URL, command: String?) throws -> Ownership? {
            let control = folder.appendingPathComponent("control")
            try OwnerOnlyFile.prepareFolder(control)
            let descriptor = try OwnerOnlyFile.openLock(control.appendingPathComponent("owner.lock"))
            guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
                close(descriptor)
                return nil
            }
            if let command {
                let holder = Holder(pid: getpid(), command: command, since: Date())
                try? OwnerOnlyFile.write(try encoder.encode(holder), to: control.appendingPathComponent("owner.json"))
            }
            return Ownership(descriptor: descriptor)
        }

        /// Whether no process holds the folder now.
        static func isFree(_ folder: URL) -> Bool {
            (try? take(folder, command: nil)) != nil
        }

        /// Who holds the folder, as it wrote down — `nil` when that process is gone (the note is
        /// then an earlier owner's).
        static func holder(of folder: URL) -> Holder? {
            let file = folder.appendingPathComponent("control").appendingPathComponent("owner.json")
            guard let holder = (try? OwnerOnlyFile.read(file)).flatMap({ $0 }).flatMap({ try? decoder.decode(Holder.self, from: $0) }) else { return nil }
            return kill(holder.pid, 0) == 0 || errno == EPERM ? holder : nil
        }
    }
}
