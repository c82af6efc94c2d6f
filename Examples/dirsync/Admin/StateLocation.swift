import Foundation

/// Where `dirsync --state …` keeps its state: a folder (one process at a time writes it; others
/// hand it their requests), or a key prefix in an etcd cluster shared by any number of processes
/// (replicas), each of which carries out its own commands.
enum StateLocation: Sendable, Equatable {
    /// `--state DIR`.
    case folder(URL)
    /// `--state etcd://HOST:PORT[,HOST:PORT…]/PREFIX` (`etcds://` for https).
    case etcd(Etcd)

    /// An etcd cluster and the prefix of one deployment's keys.
    struct Etcd: Sendable, Equatable {
        /// `http://HOST:PORT` or `https://HOST:PORT`, one per member given.
        var endpoints: [URL]
        /// The key prefix, starting with `/` (`/dirsync/prod`).
        var prefix: String

        /// The location as given, for messages (`etcd://127.0.0.1:2379/dirsync`).
        var description: String {
            let scheme = endpoints.first?.scheme == "https" ? "etcds" : "etcd"
            return "\(scheme)://\(endpoints.compactMap { url in url.host.map { "\(url.host?.contains(":") == true ? "[\($0)]" : $0):\(url.port ?? 2379)" } }.joined(separator: ","))\(prefix)"
        }
    }

    /// Reads `--state`'s value.
    /// - Throws: ``UsageError`` for an empty folder or a malformed etcd location.
    static func parse(_ text: String) throws -> StateLocation {
        guard !text.isEmpty else { throw UsageError("--state needs a folder, such as --state ./dirsync (an empty one would mean the current folder)") }
        let lowered = text.lowercased()
        for (scheme, http) in [("etcd://", "http"), ("etcds://", "https")] where lowered.hasPrefix(scheme) {
            return .etcd(try parseEtcd(String(text.dropFirst(scheme.count)), http: http))
        }
        if let colon = text.range(of: "://"), text[..<colon.lowerBound].allSatisfy({ $0.isLetter }) {
            throw UsageError("--state takes a folder or etcd://HOST:PORT[,HOST:PORT…]/PREFIX (etcds:// for https), not a '\(Terminal.safe(String(text[..<colon.lowerBound])))' URL")
        }
        return .folder(URL(fileURLWithPath: text, isDirectory: true))
    }

    private static let example = "such as --state etcd://10.0.0.5:2379,10.0.0.6:2379/dirsync/prod"

    private static func parseEtcd(_ rest: String, http: String) throws -> Etcd {
        guard let slash = rest.firstIndex(of: "/") else {
            throw UsageError("--state etcd://… needs a key prefix after the members, \(example)")
        }
        let members = rest[..<slash]
        var prefix = String(rest[slash...])
        while prefix.count > 1 && prefix.hasSuffix("/") { prefix.removeLast() }
        guard prefix.count > 1 else { throw UsageError("--state etcd://… needs a key prefix after the members (one deployment's keys), \(example)") }
        guard prefix.unicodeScalars.allSatisfy({ $0.isASCII && $0.value > 32 && $0.value < 127 }), !prefix.contains("//"), !prefix.contains("?"), !prefix.contains("#") else {
            throw UsageError("the key prefix of --state etcd://… takes letters, digits and - _ . / only, \(example)")
        }
        guard !members.contains("@") else {
            throw UsageError("--state etcd://… takes no user or password: set DIRSYNC_ETCD_USER and DIRSYNC_ETCD_PASSWORD instead")
        }
        var endpoints: [URL] = []
        for member in members.split(separator: ",", omittingEmptySubsequences: false) {
            let member = member.trimmingCharacters(in: .whitespaces)
            let host: Substring
            let port: Substring?
            if member.hasPrefix("["), let close = member.firstIndex(of: "]") {
                host = member[member.index(after: member.startIndex)..<close]
                let after = member[member.index(after: close)...]
                port = after.isEmpty ? nil : after.hasPrefix(":") ? after.dropFirst() : ""
            } else if let colon = member.lastIndex(of: ":") {
                host = member[..<colon]
                port = member[member.index(after: colon)...]
            } else {
                host = Substring(member)
                port = nil
            }
            let number: Int? = if let port { Int(port) } else { 2379 }
            guard !host.isEmpty, host.allSatisfy({ $0.isLetter || $0.isNumber || "-.:".contains($0) }),
                let number, (1...65_535).contains(number),
                let url = URL(string: "\(http)://\(host.contains(":") ? "[\(host)]" : String(host)):\(number)")
            else {
                throw UsageError("--state etcd://… lists members as HOST:PORT separated by commas, not '\(Terminal.safe(member))'; \(example)")
            }
            endpoints.append(url)
        }
        return Etcd(endpoints: endpoints, prefix: prefix)
    }
}
