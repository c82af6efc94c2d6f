import Foundation

/// Which keys a request reads or deletes: one key, every key under a prefix, or the keys from one
/// key up to (not including) another, in etcd's byte order.
///
/// ```swift
/// let heads = try await client.range(.prefix("/dirsync/prod/state/"), keysOnly: true)
/// ```
public struct EtcdKeyRange: Hashable, Sendable, CustomStringConvertible {
    /// The first key of the range (the only one for ``key(_:)``).
    public var key: String
    /// The first key after the range, as bytes (`range_end`); `nil` for a single key.
    var end: Data?

    private init(key: String, end: Data?) {
        self.key = key
        self.end = end
    }

    /// Exactly one key.
    /// - Parameter key: The key.
    /// - Returns: The range.
    public static func key(_ key: String) -> EtcdKeyRange { EtcdKeyRange(key: key, end: nil) }

    /// Every key that starts with `prefix`.
    /// - Parameter prefix: The prefix (such as `/dirsync/prod/`).
    /// - Returns: The range.
    public static func prefix(_ prefix: String) -> EtcdKeyRange { EtcdKeyRange(key: prefix, end: Self.end(of: Data(prefix.utf8))) }

    /// The keys that start with `prefix` and come after `key`: the next page of a prefix read
    /// whose last key was `key`.
    /// - Parameters:
    ///   - prefix: The prefix.
    ///   - key: The last key already read.
    /// - Returns: The range.
    public static func prefix(_ prefix: String, after key: String) -> EtcdKeyRange {
        EtcdKeyRange(key: key + "\u{0}", end: Self.end(of: Data(prefix.utf8)))
    }

    /// The keys from `key` up to, not including, `end`.
    /// - Parameters:
    ///   - key: The first key.
    ///   - end: The first key after the range.
    /// - Returns: The range.
    public static func from(_ key: String, upTo end: String) -> EtcdKeyRange { EtcdKeyRange(key: key, end: Data(end.utf8)) }

    /// The key, or the key and the range's end.
    public var description: String {
        guard let end else { return key }
        return "[\(key), \(String(decoding: end, as: UTF8.self)))"
    }

    /// The first key after every key that starts with `prefix`: the prefix with its last byte
    /// that is not 0xFF incremented, the bytes after it dropped; `\0` (every key) when there is none.
    static func end(of prefix: Data) -> Data {
        var bytes = Array(prefix)
        while let last = bytes.last {
            if last < 0xFF {
                bytes[bytes.count - 1] = last + 1
                return Data(bytes)
            }
            bytes.removeLast()
        }
        return Data([0])
    }
}
