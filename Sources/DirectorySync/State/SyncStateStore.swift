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

    /// Stores several documents at once, on the condition that a fence — a run's claim or a held
    /// lock (``CoordinationFence``) — is still held: the fenced write a run makes when it commits
    /// (its change tracking and mirror, its history), or a replica makes of the saved sources under
    /// their lock, so a replica that lost its claim or lock — paused, cut off, too slow — can never
    /// write after another one took over.
    ///
    /// The default checks the fence (``CoordinationFence/check()``) and then writes the documents one by one
    /// in order; a store shared by several processes writes them in one transaction conditional on
    /// the claim (`EtcdSyncStateStore` compares the claim's key).
    /// - Parameters:
    ///   - documents: The bytes per key, written in order; `nil` removes the key.
    ///   - fence: The run's claim or the held lock, or `nil` to write unconditionally.
    /// - Throws: ``SyncCoordinationError`` (`claimLost`, `lockLost`) when the fence is no longer
    ///   held, nothing written; the store's errors.
    func setData(_ documents: [(key: StateKey, data: Data?)], fencedBy fence: (any CoordinationFence)?) async throws
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
        return try decode(type, from: data, for: key)
    }

    /// Decodes a document as ``load(_:for:)`` does, from bytes already read.
    /// - Throws: ``SyncStateError``.
    func decode<Value: Decodable>(_ type: Value.Type, from data: Data, for key: StateKey) throws -> Value {
        let decoder = JSONDecoder.deterministic()
        let version: Int
        do {
            version = try decoder.decode(VersionProbe.self, from: data).formatVersion
        } catch {
            throw SyncStateError.unreadable(key: key.description, detail: "no format version", underlying: error)
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
        try await setData(try document(value), for: key)
    }

    /// Checks the fence, then writes the documents one by one, in order.
    /// - Parameters:
    ///   - documents: The bytes per key; `nil` removes the key.
    ///   - fence: The run's claim, or `nil`.
    /// - Throws: ``SyncCoordinationError`` (`claimLost`); the store's errors.
    public func setData(_ documents: [(key: StateKey, data: Data?)], fencedBy fence: (any CoordinationFence)?) async throws {
        try await fence?.check()
        for document in documents { try await setData(document.data, for: document.key) }
    }

    /// Encodes and stores several values at once, on the condition that `fence` is still held
    /// (``setData(_:fencedBy:)``); a `nil` value removes its key.
    /// - Parameters:
    ///   - values: The values per key, written in order.
    ///   - fence: The run's claim, or `nil` to write unconditionally.
    /// - Throws: ``SyncCoordinationError`` (`claimLost`); encoding or store errors.
    public func save(_ values: [(key: StateKey, value: (any Encodable)?)], fencedBy fence: (any CoordinationFence)?) async throws {
        let documents = try values.map { (key: $0.key, data: try $0.value.map { try document($0) }) }
        try await setData(documents, fencedBy: fence)
    }

    /// A value as the document ``save(_:for:)`` writes: the value in an envelope with the format
    /// version, in the package's JSON (dates keep their fractional seconds, so it reads back equal).
    /// - Parameter value: The value.
    /// - Returns: The document's bytes.
    /// - Throws: Encoding errors.
    public func document(_ value: some Encodable) throws -> Data {
        let encoder = JSONEncoder.deterministic(fractionalSeconds: true)
        // A mirror names each user in all its groups: one string per id (see ObjectIDStrings).
        encoder.userInfo[ObjectIDStrings.key] = ObjectIDStrings()
        return try encoder.encode(Envelope(formatVersion: Self.formatVersion, value: value))
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
