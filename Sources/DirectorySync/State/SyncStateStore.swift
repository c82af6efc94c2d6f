import Foundation

/// Names one piece of saved state: a source's (its preview, its change tracking, its history) or
/// the service's own (the list of sources).
public struct StateKey: Hashable, Sendable, CustomStringConvertible {
    /// The source the state belongs to, or `nil` for state of the whole service.
    public var sourceID: SourceID?
    /// What the state is, such as `preview`.
    public var name: String

    /// Creates the key of a source's state.
    /// - Parameters:
    ///   - sourceID: The source.
    ///   - name: What the state is (letters, digits, `-` and `_`).
    public init(_ sourceID: SourceID, _ name: String) {
        self.sourceID = sourceID
        self.name = name
    }

    private init(service name: String) {
        sourceID = nil
        self.name = name
    }

    /// The key of state that belongs to the whole service rather than to one source.
    /// - Parameter name: What the state is (letters, digits, `-` and `_`).
    /// - Returns: The key.
    public static func service(_ name: String) -> StateKey { StateKey(service: name) }

    /// The key of a source's preview.
    /// - Parameter sourceID: The source.
    /// - Returns: The key.
    public static func preview(_ sourceID: SourceID) -> StateKey { StateKey(sourceID, "preview") }

    /// `<source>/<name>`, or `service/<name>` for the service's own state.
    public var description: String { "\(sourceID.map(\.rawValue) ?? "service")/\(name)" }
}

/// Keeps what a host must find again after a restart — previews, and later delta links, sources
/// and history — as versioned JSON documents per source.
///
/// Implementations: ``InMemorySyncStateStore`` and ``FileSyncStateStore``.
public protocol SyncStateStore: Sendable {
    /// The stored bytes for a key, or `nil`.
    /// - Parameter key: The key.
    /// - Throws: The store's errors.
    func data(for key: StateKey) async throws -> Data?

    /// Stores bytes for a key, replacing what was there whole; `nil` removes the key.
    /// - Parameters:
    ///   - data: The bytes, or `nil` to remove.
    ///   - key: The key.
    /// - Throws: The store's errors.
    func setData(_ data: Data?, for key: StateKey) async throws
}

extension SyncStateStore {
    /// The format version written into every document: 2 since values are written in their
    /// designed JSON (run records, plans, change journals); documents of version 1 are read too.
    /// A version of DirectorySync that reads only version 1 refuses a version 2 document with
    /// "upgrade DirectorySync" instead of misreading it.
    public static var formatVersion: Int { 2 }

    /// Reads and decodes a value.
    /// - Parameters:
    ///   - type: The value's type.
    ///   - key: The key.
    /// - Returns: The value, or `nil` when nothing is stored.
    /// - Throws: ``SyncStateError``.
    public func load<Value: Decodable>(_ type: Value.Type, for key: StateKey) async throws -> Value? {
        guard let data = try await data(for: key) else { return nil }
        let decoder = JSONDecoder.deterministic()
        let version: Int
        do {
            version = try decoder.decode(VersionProbe.self, from: data).formatVersion
        } catch {
            throw SyncStateError.unreadable(key: key.description, detail: "no format version")
        }
        guard version <= Self.formatVersion else {
            throw SyncStateError.unsupportedFormatVersion(found: version, supported: Self.formatVersion, key: key.description)
        }
        do {
            return try decoder.decode(Envelope<Value>.self, from: data).value
        } catch {
            throw SyncStateError.unreadable(key: key.description, detail: String(describing: error), underlying: error)
        }
    }

    /// Encodes and stores a value, replacing what was there.
    /// - Parameters:
    ///   - value: The value.
    ///   - key: The key.
    /// - Throws: Encoding or store errors.
    public func save<Value: Encodable>(_ value: Value, for key: StateKey) async throws {
        // Dates keep their fractional seconds, so a value reads back equal to what was saved.
        let encoder = JSONEncoder.deterministic(fractionalSeconds: true)
        try await setData(try encoder.encode(Envelope(formatVersion: Self.formatVersion, value: value)), for: key)
    }

    /// Removes a key.
    /// - Parameter key: The key.
    /// - Throws: The store's errors.
    public func remove(_ key: StateKey) async throws { try await setData(nil, for: key) }

    /// Stores a preview as its source's current preview.
    /// - Parameter preview: The preview.
    /// - Throws: Encoding or store errors.
    public func savePreview(_ preview: Preview) async throws { try await save(preview, for: .preview(preview.sourceID)) }

    /// The source's stored preview, if any.
    /// - Parameter sourceID: The source.
    /// - Throws: ``SyncStateError``.
    public func preview(for sourceID: SourceID) async throws -> Preview? { try await load(Preview.self, for: .preview(sourceID)) }
}

private struct VersionProbe: Decodable { var formatVersion: Int }

private struct Envelope<Value> {
    var formatVersion: Int
    var value: Value
}

extension Envelope: Encodable where Value: Encodable {}
extension Envelope: Decodable where Value: Decodable {}
